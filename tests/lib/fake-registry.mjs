// A plain-HTTP npm registry on loopback for the uplink tests (issue 11): it
// serves documents and tarballs it is given, records every request it gets
// (so a test can prove a name never left depot), and fails or stalls on
// command.

import { createHash, sign as signData } from 'node:crypto';
import http from 'node:http';

import { integrity, sha1 } from './packages.mjs';

// host, port: where to listen (a cluster's hosts reach this machine at its
// veth address, not at loopback).
export async function fakeRegistry({ host = '127.0.0.1', port = 0 } = {}) {
  const packages = new Map();  // name → { doc, tarballs: Map(file → Buffer), delayMs, lastModified, cut }
  const attestations = new Map();  // "name@version" → object
  const advisories = new Map();  // name → [advisory]
  const requests = [];
  const stalled = [];
  let mode = 'ok';
  let url = '';
  let signing = null;  // { keyid, privateKey, keys }: served at /-/npm/v1/keys, signs what is added

  const etagOf = (doc) => `"${createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32)}"`;
  const send = (res, status, body, headers = {}) => {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    res.writeHead(status, { 'content-length': bytes.length, 'content-type': 'application/json', ...headers });
    res.end(bytes);
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (mode === 'fail') return send(res, 503, { error: 'down for maintenance' });
      if (mode === 'stall') { stalled.push(res); return undefined; }
      const u = new URL(req.url, 'http://x');
      const p = decodeURIComponent(u.pathname);
      if (req.method === 'POST' && p === '/-/npm/v1/security/advisories/bulk') {
        const asked = JSON.parse(body);
        const out = {};
        for (const name of Object.keys(asked)) if (advisories.has(name)) out[name] = advisories.get(name);
        return send(res, 200, out);
      }
      if (p.startsWith('/-/npm/v1/attestations/')) {
        const a = attestations.get(p.slice('/-/npm/v1/attestations/'.length));
        return a ? send(res, 200, a) : send(res, 404, { error: 'not found' });
      }
      if (p === '/-/npm/v1/keys') return signing ? send(res, 200, { keys: signing.keys }) : send(res, 404, { error: 'no keys' });
      if (p === '/-/v1/search') return send(res, 200, { objects: [], total: 0, time: new Date().toString() });
      const tgz = p.match(/^\/(.+)\/-\/([^/]+\.tgz)$/);
      if (tgz) {
        const pkg = packages.get(tgz[1]);
        const t = pkg?.tarballs.get(tgz[2]);
        if (!t) return send(res, 404, { error: 'not found' });
        if (pkg.cut) {
          // Half the bytes of the length promised, then the connection dies.
          res.writeHead(200, { 'content-length': t.length, 'content-type': 'application/octet-stream' });
          res.write(t.subarray(0, t.length >> 1));
          setTimeout(() => res.destroy(), 50);
          return undefined;
        }
        return send(res, 200, t, { 'content-type': 'application/octet-stream' });
      }
      const pkg = packages.get(p.slice(1));
      if (!pkg) return send(res, 404, { error: 'not found' });
      if (pkg.delayMs) await new Promise((r) => setTimeout(r, pkg.delayMs));
      // A registry that validates by date alone sends Last-Modified, no ETag.
      if (pkg.lastModified) {
        const lm = new Date(pkg.doc.time.modified).toUTCString();
        if (req.headers['if-modified-since'] === lm) { res.writeHead(304, { 'last-modified': lm }); res.end(); return undefined; }
        return send(res, 200, pkg.doc, { 'last-modified': lm });
      }
      const etag = etagOf(pkg.doc);
      if (req.headers['if-none-match'] === etag) { res.writeHead(304, { etag }); res.end(); return undefined; }
      if (req.method === 'HEAD') { res.writeHead(200, { etag }); res.end(); return undefined; }
      return send(res, 200, pkg.doc, { etag });
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  url = `http://${host}:${server.address().port}`;

  return {
    url,
    requests,
    // Every request whose path names this package (any encoding).
    asked(name) {
      const enc = name.replace('/', '%2f');
      return requests.filter((r) => decodeURIComponent(r.url).includes(name) || r.url.toLowerCase().includes(enc)
        || r.body.includes(`"${name}"`));
    },
    setMode(m) {
      mode = m;
      if (m !== 'stall') for (const res of stalled.splice(0)) res.destroy();
    },
    // A version with a real tarball; tamper: serve other bytes than the integrity says.
    // Registry signatures as npm's registry makes them (issue 13): keys is
    // the /-/npm/v1/keys list, privateKey signs as keyid.
    signWith(s) { signing = s; },
    // Tarballs of the name are cut off halfway (true) or whole again (false).
    cut(name, on) { packages.get(name).cut = on; },
    add(manifest, tgz, { time, tamper = false, attestation = null, deprecated, delayMs = 0, badSignature = false,
      lastModified = false } = {}) {
      const { name, version } = manifest;
      const bare = name.includes('/') ? name.split('/')[1] : name;
      const file = `${bare}-${version}.tgz`;
      let pkg = packages.get(name);
      if (!pkg) {
        pkg = { tarballs: new Map(), delayMs, lastModified, cut: false, doc: { _id: name, name, 'dist-tags': {}, versions: {},
          time: { created: (time ?? new Date()).toISOString() }, 'x-custom-field': { kept: true } } };
        packages.set(name, pkg);
      }
      const dist = { shasum: sha1(tgz), integrity: integrity(tgz), tarball: `${url}/${name}/-/${file}` };
      if (attestation) {
        attestations.set(`${name}@${version}`, attestation);
        dist.attestations = { url: `${url}/-/npm/v1/attestations/${name}@${version}`,
          provenance: { predicateType: 'https://slsa.dev/provenance/v1' } };
      }
      if (signing) {
        const sig = signData('sha256', Buffer.from(`${name}@${version}:${dist.integrity}`), signing.privateKey);
        if (badSignature) sig[sig.length - 1] ^= 1;
        dist.signatures = [{ keyid: signing.keyid, sig: sig.toString('base64') }];
      }
      pkg.doc.versions[version] = { ...manifest, _id: `${name}@${version}`, dist, ...(deprecated ? { deprecated } : {}) };
      pkg.doc['dist-tags'].latest = version;
      const at = (time ?? new Date()).toISOString();
      pkg.doc.time[version] = at;
      pkg.doc.time.modified = at;
      pkg.tarballs.set(file, tamper ? Buffer.concat([tgz, Buffer.from('tampered')]) : tgz);
    },
    advise(name, advisory) { advisories.set(name, [advisory]); },
    close() {
      for (const res of stalled.splice(0)) res.destroy();
      return new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
    },
  };
}
