// Versions by link (issue 5, point 6): POST /NAME/vX.Y.Z with a link makes
// depot download the tarball once, check it, and record a pointer version
// that npm installs and verifies. Tarballs come from a local HTTP server.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createProject, makePackage, pack, webAccount } from '../lib/packages.mjs';
import { sh, Stack } from '../lib/stack.mjs';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function serve(files) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const f = files[req.url];
    if (!f) { res.writeHead(404); res.end('no'); return; }
    if (f.redirect) { res.writeHead(302, { location: f.redirect }); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(f);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, hits, base: `http://127.0.0.1:${server.address().port}` };
}

describe('versions registered by link', () => {
  let stack;
  let files;
  let web;
  let pt;

  before(async () => {
    // link_keep_copy = false: depot's tarball URL redirects to the link.
    stack = await Stack.start({ extraConf: 'link_allow_private = true\nlink_max_bytes = 64K\nlink_keep_copy = false' });
    const mk = async (name, version) => pack(await makePackage(path.join(stack.dir, 'links'), { name, version }));
    files = {
      '/good.tgz': await mk('link-pkg', '1.0.0'),
      '/v102.tgz': await mk('link-pkg', '1.0.2'),
      '/v103.tgz': await mk('link-pkg', '1.0.3'),
      '/other-name.tgz': await mk('other-pkg', '1.0.1'),
      '/other-version.tgz': await mk('link-pkg', '2.0.0'),
      '/plain.txt': Buffer.from('just text, not a tarball'),
      '/big.tgz': Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(200 * 1024)]),
      '/moved': { redirect: '/v102.tgz' },
    };
    web = await serve(files);
    const { auth } = await webAccount(stack, 'links@example.com');
    pt = await createProject(stack, 'link-pkg', auth);
  });
  after(async () => {
    web?.server.close();
    await stack?.stop();
  });

  const register = (version, link) => stack.curl(`/link-pkg/v${version}`, { method: 'POST',
    headers: { ...form, authorization: `Bearer ${pt}` }, data: `link=${encodeURIComponent(link)}` });

  test('a good link becomes a version whose depot URL redirects to the link and matches its bytes', async () => {
    const r = await register('1.0.0', `${web.base}/good.tgz`);
    assert.equal(r.status, 200, r.body);
    const doc = JSON.parse((await stack.curl('/link-pkg', { headers: { accept: 'application/json' } })).body);
    const dist = doc.versions['1.0.0'].dist;
    // Always the registry's own origin (npm 12 refuses others by default).
    assert.equal(dist.tarball, `${stack.url}/link-pkg/-/link-pkg-1.0.0.tgz`);
    assert.equal(dist.shasum, createHash('sha1').update(files['/good.tgz']).digest('hex'));
    assert.equal(dist.integrity, `sha512-${createHash('sha512').update(files['/good.tgz']).digest('base64')}`);
    assert.equal(doc['dist-tags'].latest, '1.0.0');
    const tgz = await stack.curl('/link-pkg/-/link-pkg-1.0.0.tgz');
    assert.equal(tgz.status, 302);
    assert.equal(tgz.headers.location, `${web.base}/good.tgz`);
    const pinned = await stack.curl('/link-pkg/v1.0.0');
    assert.equal(pinned.status, 301);
    assert.equal(pinned.headers.location, `${web.base}/good.tgz`);
  });

  test('npm install fetches the linked bytes and verifies them', async () => {
    const app = path.join(stack.dir, 'link-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"link-app","version":"1.0.0"}');
    const r = await stack.npm(['install', 'link-pkg@1.0.0'], { cwd: app, home: 'link-cache' });
    assert.equal(r.code, 0, r.stderr);
    const out = await sh('node', ['-e', "console.log(require('link-pkg'))"], { cwd: app });
    assert.equal(out.stdout.trim(), 'link-pkg@1.0.0');
  });

  test('the management page form registers a version by link too', async () => {
    const r = await stack.curl('/link-pkg/-/link', { method: 'POST', headers: { ...form, authorization: `Bearer ${pt}` },
      data: `version=v1.0.3&link=${encodeURIComponent(`${web.base}/v103.tgz`)}` });
    assert.equal(r.status, 200, r.body);
    assert.ok('1.0.3' in JSON.parse((await stack.curl('/link-pkg', { headers: { accept: 'application/json' } })).body).versions);
  });

  test('redirects are followed; a version that exists is an error, also with the same bytes', async () => {
    assert.equal((await register('1.0.2', `${web.base}/moved`)).status, 200);
    assert.equal((await register('1.0.0', `${web.base}/good.tgz`)).status, 409, 'SPEC §3: the version exists already');
    const other = await register('1.0.0', `${web.base}/v102.tgz`);
    assert.equal(other.status, 400, 'the linked tarball says 1.0.2');
    const home = path.join(stack.dir, 'link-pt');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${pt}\n`);
    const dir = await makePackage(path.join(stack.dir, 'links-other'), { name: 'link-pkg', version: '1.0.0', description: 'other bytes' });
    const pub = await stack.npm(['publish'], { cwd: dir, home: 'link-pt' });
    assert.notEqual(pub.code, 0);
    assert.match(pub.stderr, /409|previously published/);
    const clash = await register('1.0.2', `${web.base}/good.tgz`);
    assert.equal(clash.status, 400, 'the tarball is 1.0.0, not 1.0.2');
  });

  test('bad links are refused with a 4xx and change nothing', async () => {
    const before1 = await stack.sql('SELECT COUNT(*) FROM versions');
    for (const [version, link, status] of [
      ['1.0.1', `${web.base}/other-name.tgz`, 400],
      ['1.0.1', `${web.base}/other-version.tgz`, 400],
      ['1.0.1', `${web.base}/plain.txt`, 400],
      ['1.0.1', `${web.base}/big.tgz`, 400],
      ['1.0.1', `${web.base}/missing.tgz`, 400],
      ['1.0.1', 'ftp://127.0.0.1/x.tgz', 400],
      ['1.0.1', 'file:///etc/passwd', 400],
    ]) {
      const r = await register(version, link);
      assert.equal(r.status, status, `${link}: ${r.body}`);
      assert.equal(typeof JSON.parse(r.body).error, 'string');
    }
    assert.equal(await stack.sql('SELECT COUNT(*) FROM versions'), before1);
  });
});

describe('links to private addresses', () => {
  let stack;
  let web;
  before(async () => {
    stack = await Stack.start();
    web = await serve({ '/x.tgz': Buffer.from([0x1f, 0x8b, 0, 0]) });
  });
  after(async () => {
    web?.server.close();
    await stack?.stop();
  });

  test('are refused unless the config allows them', async () => {
    const ut = (await webAccount(stack, 'p@example.com')).token;
    await createProject(stack, 'priv-pkg', { authorization: `Bearer ${ut}` });
    const port = web.base.split(':')[2];
    const hits = web.hits.length;
    // I5: IPv4-compatible, mapped and NAT64 IPv6 spellings of loopback are refused too.
    for (const link of [`${web.base}/x.tgz`, `http://localhost:${port}/x.tgz`, 'http://[::1]:9/x.tgz',
      `http://[::127.0.0.1]:${port}/x.tgz`, `http://[::ffff:127.0.0.1]:${port}/x.tgz`, `http://[64:ff9b::7f00:1]:${port}/x.tgz`]) {
      const r = await stack.curl('/priv-pkg/v1.0.0', { method: 'POST', headers: { ...form, authorization: `Bearer ${ut}` },
        data: `link=${encodeURIComponent(link)}` });
      assert.equal(r.status, 400, link);
      // One answer for every failure: no oracle of what the server can reach (review M2).
      assert.equal(JSON.parse(r.body).error, 'the link could not be fetched', link);
    }
    assert.equal(web.hits.length, hits, 'no connection reached the local server');
  });
});

describe('links kept as copies (the default)', () => {
  let stack;
  let web;
  let bytes;
  before(async () => {
    stack = await Stack.start({ extraConf: 'link_allow_private = true' });
    bytes = await pack(await makePackage(path.join(stack.dir, 'keep'), { name: 'kept-pkg', version: '1.0.0' }));
    web = await serve({ '/kept.tgz': bytes });
  });
  after(async () => {
    web?.server.close();
    await stack?.stop();
  });

  test('depot stores the bytes and serves them from its own URL', async () => {
    const ut = (await webAccount(stack, 'k@example.com')).token;
    await createProject(stack, 'kept-pkg', { authorization: `Bearer ${ut}` });
    const r = await stack.curl('/kept-pkg/v1.0.0', { method: 'POST', headers: { ...form, authorization: `Bearer ${ut}` },
      data: `link=${encodeURIComponent(`${web.base}/kept.tgz`)}` });
    assert.equal(r.status, 200, r.body);
    const dist = JSON.parse((await stack.curl('/kept-pkg', { headers: { accept: 'application/json' } })).body).versions['1.0.0'].dist;
    assert.equal(dist.tarball, `${stack.url}/kept-pkg/-/kept-pkg-1.0.0.tgz`);
    web.server.close();  // from now on only depot has the bytes
    const got = await sh('curl', ['-sS', '--cacert', stack.ca, '-o', path.join(stack.dir, 'kept.tgz'), '-w', '%{http_code}', dist.tarball]);
    assert.equal(got.stdout, '200');
    const served = await (await import('node:fs/promises')).readFile(path.join(stack.dir, 'kept.tgz'));
    assert.ok(served.equals(bytes));
  });
});
