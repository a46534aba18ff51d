// A minimal FastCGI client for tests that must talk to depot-fcgi without
// nginx in between (for example, to hold a request open across a SIGTERM).

import net from 'node:net';

const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;

function record(type, id, content = Buffer.alloc(0)) {
  const pad = (8 - (content.length % 8)) % 8;
  const h = Buffer.alloc(8);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt16BE(id, 2);
  h.writeUInt16BE(content.length, 4);
  h.writeUInt8(pad, 6);
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

function nameValue(name, value) {
  const enc = (n) => (n < 128 ? Buffer.from([n]) : (() => { const b = Buffer.alloc(4); b.writeUInt32BE(n | 0x80000000); return b; })());
  const nb = Buffer.from(name);
  const vb = Buffer.from(value);
  return Buffer.concat([enc(nb.length), enc(vb.length), nb, vb]);
}

// Opens a request and sends its params; returns {sendBody(buf), response}.
// The worker has the request as soon as the params arrive; it then waits for
// the body, so the caller decides when the request can complete.
export function openRequest(socketPath, params) {
  const sock = net.createConnection(socketPath);
  const chunks = [];
  const response = new Promise((resolve, reject) => {
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks);
      let out = Buffer.alloc(0);
      let ended = false;
      for (let off = 0; off + 8 <= all.length;) {
        const type = all.readUInt8(off + 1);
        const len = all.readUInt16BE(off + 4);
        const pad = all.readUInt8(off + 6);
        if (type === STDOUT) out = Buffer.concat([out, all.subarray(off + 8, off + 8 + len)]);
        if (type === END_REQUEST) ended = true;
        off += 8 + len + pad;
      }
      resolve({ ended, text: out.toString('utf8') });
    });
  });
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(1, 0);  // responder
  const body = Buffer.concat(Object.entries(params).map(([k, v]) => nameValue(k, String(v))));
  sock.write(Buffer.concat([record(BEGIN_REQUEST, 1, begin), record(PARAMS, 1, body), record(PARAMS, 1)]));
  return {
    response,
    sendBody(buf) {
      sock.write(Buffer.concat([record(STDIN, 1, buf), record(STDIN, 1)]));
    },
  };
}
