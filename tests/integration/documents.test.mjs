// Packuments as files nginx sends (issue 9): public reads never reach a
// worker, restricted ones always do; every kind of write is seen by the
// very next read; gzip, identity, HEAD, ETag and Vary; tarball URLs follow
// public_url across a restart; a 40 MB document publishes, installs,
// deprecates and unpublishes; a document over max_document_bytes is refused.

import assert from 'node:assert/strict';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage, pack, publishBody } from '../lib/packages.mjs';
import { freePort, sh, Stack } from '../lib/stack.mjs';

const corgi = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const json = { 'content-type': 'application/json' };

// Every file under dir, relative, sorted ([] when dir is missing).
async function filesUnder(dir) {
  const out = [];
  const walk = async (d, rel) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name), path.join(rel, e.name));
      else out.push(path.join(rel, e.name));
    }
  };
  await walk(dir, '');
  return out.sort();
}

describe('packuments as files nginx sends', () => {
  let stack;
  let alice;
  let bob;
  before(async () => {
    stack = await Stack.start();
    [alice, bob] = [await account(stack, 'alice'), await account(stack, 'bob')];
  });
  after(async () => { await stack?.stop(); });

  const publish = async (who, manifest, args = []) => {
    const r = await stack.npm(['publish', ...args], { cwd: await makePackage(stack.dir, manifest), home: who.home });
    assert.equal(r.code, 0, r.stderr);
  };
  const read = async (name, { accept = 'application/json', who, extra = [] } = {}) => {
    const r = await stack.curl(`/${name.replace('/', '%2f')}`, { headers: { accept, ...(who ? who.auth : {}) }, extra });
    return { ...r, doc: r.status === 200 ? JSON.parse(r.body) : null };
  };
  const npm = async (who, args) => {
    const r = await stack.npm(args, { home: who.home });
    assert.equal(r.code, 0, `npm ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const docs = (tree) => filesUnder(path.join(stack.dir, 'documents', tree));

  test('public documents and tarballs are sent by nginx alone; restricted ones only by a worker', async () => {
    await publish(alice, { name: 'pub-pkg', version: '1.0.0' });
    await publish(alice, { name: '@alice/secret', version: '1.0.0' });  // scoped: restricted
    const full = await read('pub-pkg');
    assert.equal(full.status, 200);
    const tgz = '/pub-pkg/-/pub-pkg-1.0.0.tgz';
    assert.equal((await stack.curl(tgz)).status, 200);  // the worker links it for nginx
    assert.equal((await read('@alice/secret', { who: alice })).status, 200);
    assert.deepEqual((await docs('public')).filter((f) => f.startsWith('@alice')), []);

    assert.equal((await stack.ctl('fcgi-stop')).code, 0);
    try {
      assert.equal((await read('pub-pkg')).doc['dist-tags'].latest, '1.0.0');
      assert.equal((await read('pub-pkg', { accept: corgi })).doc.name, 'pub-pkg');
      const same = await stack.curl('/pub-pkg', { headers: { accept: 'application/json', 'if-none-match': full.headers.etag } });
      assert.equal(same.status, 304);
      const head = await stack.curl('/pub-pkg', { method: 'HEAD', headers: { accept: 'application/json' }, extra: ['-I'] });
      assert.equal(head.status, 200);
      const file = await stack.curl(tgz);
      assert.equal(file.status, 200);
      assert.equal(file.headers['content-type'], 'application/octet-stream');
      // With no worker there is no answer for a restricted package, to anyone.
      assert.equal((await read('@alice/secret', { who: alice })).status, 502);
      assert.equal((await read('@alice/secret')).status, 502);
      assert.equal((await stack.curl('/@alice%2fsecret/-/secret-1.0.0.tgz')).status, 502);
      // Nor for what a worker must decide: ?write=true, an unknown name.
      assert.equal((await stack.curl('/pub-pkg?write=true', { headers: alice.auth })).status, 502);
      assert.equal((await read('never-published')).status, 502);
    } finally {
      assert.equal((await stack.ctl('fcgi-start')).code, 0);
    }
  });

  test('every kind of write is seen by the next read, full and abbreviated', async () => {
    const both = async () => [(await read('pub-pkg')), (await read('pub-pkg', { accept: corgi }))];
    let [full, abbrev] = await both();
    const changed = async (what) => {
      const [f, a] = await both();
      assert.notEqual(f.headers.etag, full.headers.etag, `${what}: the full document's ETag`);
      assert.notEqual(a.headers.etag, abbrev.headers.etag, `${what}: the abbreviated document's ETag`);
      const stale = await stack.curl('/pub-pkg', { headers: { accept: 'application/json', 'if-none-match': full.headers.etag } });
      assert.equal(stale.status, 200, `${what}: the old ETag no longer matches`);
      [full, abbrev] = [f, a];
      return [f.doc, a.doc];
    };

    await publish(alice, { name: 'pub-pkg', version: '1.1.0' });
    let [f, a] = await changed('publish');
    assert.equal(f['dist-tags'].latest, '1.1.0');
    assert.ok(f.versions['1.1.0'] && a.versions['1.1.0'] && f.time['1.1.0']);

    await npm(alice, ['dist-tag', 'add', 'pub-pkg@1.0.0', 'stable']);
    [f, a] = await changed('dist-tag add');
    assert.equal(f['dist-tags'].stable, '1.0.0');
    assert.equal(a['dist-tags'].stable, '1.0.0');

    await npm(alice, ['deprecate', 'pub-pkg@1.0.0', 'use 1.1']);
    [f, a] = await changed('deprecate');
    assert.equal(f.versions['1.0.0'].deprecated, 'use 1.1');
    assert.equal(a.versions['1.0.0'].deprecated, 'use 1.1');

    await npm(alice, ['owner', 'add', 'bob', 'pub-pkg']);
    [f] = await changed('owner add');
    assert.deepEqual(f.maintainers.map((m) => m.name).sort(), ['alice', 'bob']);

    await npm(bob, ['star', 'pub-pkg']);
    [f] = await changed('star');
    assert.deepEqual(f.users, { bob: true });

    assert.equal((await stack.curl('/pub-pkg/-/pub-pkg-1.1.0.tgz')).status, 200);
    await npm(alice, ['unpublish', 'pub-pkg@1.1.0']);
    [f, a] = await changed('unpublish');
    assert.ok(!f.versions['1.1.0'] && !a.versions['1.1.0']);
    assert.equal((await stack.curl('/pub-pkg/-/pub-pkg-1.1.0.tgz')).status, 404);
    assert.ok(!(await docs('public')).some((p) => p.includes('pub-pkg-1.1.0')), 'no link to an unpublished tarball');
  });

  test('a restricted package, through every read path and across access changes', async () => {
    const paths = ['/@alice%2fsecret', '/@alice%2fsecret?write=true', '/@alice%2fsecret/1.0.0',
      '/@alice%2fsecret/latest', '/@alice%2fsecret/-/secret-1.0.0.tgz'];
    for (const p of paths) {
      for (const [who, label] of [[{}, 'anonymous'], [bob.auth, 'bob']]) {
        for (const accept of ['application/json', corgi]) {
          const r = await stack.curl(p, { headers: { accept, ...who } });
          assert.equal(r.status, 404, `${label} ${p} ${accept}`);
        }
      }
      const mine = await stack.curl(p, { headers: { accept: 'application/json', ...alice.auth } });
      assert.equal(mine.status, 200, p);
      assert.match(mine.headers['cache-control'], /private|no-store/, p);
    }
    assert.deepEqual((await docs('public')).filter((f) => f.includes('secret')), []);
    assert.ok((await docs('private')).includes('@alice/secret/full.json.gz'));

    await npm(alice, ['access', 'set', 'status=public', '@alice/secret']);
    assert.equal((await read('@alice/secret')).status, 200, 'public at once');
    assert.equal((await stack.curl('/@alice%2fsecret/-/secret-1.0.0.tgz')).status, 200);
    assert.ok((await docs('public')).includes('@alice/secret/-/secret-1.0.0.tgz'));
    assert.deepEqual((await docs('private')).filter((f) => f.includes('secret')), []);

    await npm(alice, ['access', 'set', 'status=private', '@alice/secret']);
    assert.equal((await read('@alice/secret')).status, 404, 'restricted at once');
    assert.equal((await stack.curl('/@alice%2fsecret/-/secret-1.0.0.tgz')).status, 404);
    assert.deepEqual((await docs('public')).filter((f) => f.includes('secret')), []);
  });

  test('gzip for clients that ask, identity for the others, HEAD, Vary; odd Accept values still work', async () => {
    const gz = await read('pub-pkg', { extra: ['--compressed'] });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.doc.name, 'pub-pkg');
    const plain = await read('pub-pkg');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-type'], 'application/json');
    assert.equal(plain.doc.name, 'pub-pkg');
    assert.equal(gz.headers.vary, 'Accept, Accept-Encoding');
    assert.equal(plain.headers.vary, 'Accept, Accept-Encoding');
    const abbrev = await read('pub-pkg', { accept: corgi, extra: ['--compressed'] });
    assert.equal(abbrev.headers['content-type'], 'application/vnd.npm.install-v1+json');
    assert.deepEqual(Object.keys(abbrev.doc).sort(), ['dist-tags', 'modified', 'name', 'versions']);
    // Not a spelling nginx knows: a worker negotiates and sends the same file.
    const odd = await read('pub-pkg', { accept: 'application/json;q=0.5, application/vnd.npm.install-v1+json' });
    assert.deepEqual(Object.keys(odd.doc).sort(), ['dist-tags', 'modified', 'name', 'versions']);
    assert.equal(odd.headers.etag, (await read('pub-pkg', { accept: corgi })).headers.etag);
    const head = await stack.curl('/pub-pkg', { method: 'HEAD', headers: { accept: 'application/json' }, extra: ['-I'] });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    // A document is never written by hand into the trees: what nginx sends
    // is what the last write built, gzip with a valid CRC.
    const raw = await sh('bash', ['-c', `gzip -t ${path.join(stack.dir, 'documents/public/pub-pkg/full.json.gz')} && echo ok`]);
    assert.equal(raw.stdout.trim(), 'ok', raw.stderr);
  });

  test('after a restart with another public_url every dist.tarball follows, and npm installs an old package', async () => {
    await publish(alice, { name: 'url-pkg', version: '1.0.0' });
    const restart = async (env) => {
      assert.equal((await stack.ctl('down')).code, 0);
      Object.assign(stack.env, env);
      const r = await stack.ctl('up');
      assert.equal(r.code, 0, r.stderr);
    };
    const install = async (label) => {
      const app = path.join(stack.dir, `url-app-${label}`);
      await mkdir(app);
      await writeFile(path.join(app, 'package.json'), '{"name":"url-app","version":"1.0.0"}');
      const r = await stack.npm(['install', 'url-pkg'], { cwd: app, home: `url-home-${label}` });
      assert.equal(r.code, 0, r.stderr);
    };
    // Another port.
    const port = await freePort();
    await restart({ DEPOT_HTTPS_PORT: String(port) });
    stack.httpsPort = port;
    stack.url = `https://127.0.0.1:${port}`;
    assert.equal((await read('url-pkg')).doc.versions['1.0.0'].dist.tarball, `${stack.url}/url-pkg/-/url-pkg-1.0.0.tgz`);
    assert.equal((await read('pub-pkg', { accept: corgi })).doc.versions['1.0.0'].dist.tarball,
      `${stack.url}/pub-pkg/-/pub-pkg-1.0.0.tgz`);
    await install('port');
    // Another host name (the certificate covers localhost).
    await restart({ DEPOT_EXTRA_CONF: `${stack.env.DEPOT_EXTRA_CONF}\npublic_url = https://localhost:${port}` });
    stack.url = `https://localhost:${port}`;
    assert.equal((await read('url-pkg')).doc.versions['1.0.0'].dist.tarball, `https://localhost:${port}/url-pkg/-/url-pkg-1.0.0.tgz`);
    await install('host');
    // A path prefix (behind a proxy that strips it): the documents follow too.
    await restart({ DEPOT_EXTRA_CONF: `${stack.env.DEPOT_EXTRA_CONF}\npublic_url = https://localhost:${port}/npm` });
    assert.equal((await read('url-pkg', { accept: corgi })).doc.versions['1.0.0'].dist.tarball,
      `https://localhost:${port}/npm/url-pkg/-/url-pkg-1.0.0.tgz`);
  });
});

describe('a 40 MB document', () => {
  let stack;
  let alice;
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('publishes, installs, deprecates and unpublishes; reads stream from the file', async () => {
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'huge-pkg', version: '9.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    // 19 999 more versions straight into the database, ~2 KB each as the
    // full document has them; then the files are dropped, as rows written
    // behind depot's back must be (the next read builds from the rows).
    const filler = 'x'.repeat(1500);
    const manifest = JSON.stringify({ name: 'huge-pkg', version: 'VERSION', description: filler,
      dependencies: { 'left-pad': '^1.3.0' }, scripts: { test: 'node --test' } });
    await stack.sql(`INSERT INTO versions (package_id, version, manifest, shasum, integrity, size, published_by, published_at)
      SELECT p.id, CONCAT('0.', s.seq DIV 1000, '.', s.seq MOD 1000),
        REPLACE('${manifest}', 'VERSION', CONCAT('0.', s.seq DIV 1000, '.', s.seq MOD 1000)),
        SHA1(s.seq), CONCAT('sha512-', TO_BASE64(UNHEX(SHA2(s.seq, 512)))), 1000, v.published_by, NOW(3) - INTERVAL 1 DAY
      FROM seq_1_to_19999 s JOIN packages p ON p.name = 'huge-pkg' JOIN versions v ON v.package_id = p.id`);
    await rm(path.join(stack.dir, 'documents/public/huge-pkg'), { recursive: true, force: true });

    const full = await stack.curl('/huge-pkg', { headers: { accept: 'application/json' } });
    assert.equal(full.status, 200);
    assert.ok(full.body.length > 40e6, `${full.body.length} bytes`);
    assert.equal(Object.keys(JSON.parse(full.body).versions).length, 20000);

    const next = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'huge-pkg', version: '9.0.1' }), home: alice.home });
    assert.equal(next.code, 0, next.stderr);
    const abbrev = JSON.parse((await stack.curl('/huge-pkg', { headers: { accept: corgi } })).body);
    assert.equal(Object.keys(abbrev.versions).length, 20001);
    assert.equal(abbrev['dist-tags'].latest, '9.0.1');

    const app = path.join(stack.dir, 'huge-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"huge-app","version":"1.0.0"}');
    const inst = await stack.npm(['install', 'huge-pkg'], { cwd: app, home: 'huge-cache' });
    assert.equal(inst.code, 0, inst.stderr);

    // npm deprecate and unpublish GET ?write=true and PUT the whole document back.
    const dep = await stack.npm(['deprecate', 'huge-pkg@0.0.5', 'too old'], { home: alice.home });
    assert.equal(dep.code, 0, dep.stderr);
    const un = await stack.npm(['unpublish', 'huge-pkg@0.0.6'], { home: alice.home });
    assert.equal(un.code, 0, un.stderr);
    const after = JSON.parse((await stack.curl('/huge-pkg', { headers: { accept: 'application/json' } })).body);
    assert.equal(after.versions['0.0.5'].deprecated, 'too old');
    assert.equal(after.versions['0.0.6'], undefined);
    assert.equal(Object.keys(after.versions).length, 20000);
  });
});

describe('max_document_bytes', () => {
  let stack;
  let alice;
  before(async () => {
    stack = await Stack.start({ extraConf: 'max_document_bytes = 20K' });
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('a publish that would make the document larger is a 413 that changes nothing', async () => {
    let refused = null;
    for (let i = 0; i < 60 && !refused; i++) {
      const manifest = { name: 'capped', version: `1.0.${i}`, description: 'y'.repeat(400) };
      const bytes = await pack(await makePackage(stack.dir, manifest));
      const r = await stack.curl('/capped', { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(publishBody(manifest, bytes)) });
      if (r.status === 413) refused = { r, version: manifest.version };
      else assert.equal(r.status, 201, r.body);
    }
    assert.ok(refused, 'the limit was reached');
    assert.match(JSON.parse(refused.r.body).error, /over this registry's limit/);
    const doc = JSON.parse((await stack.curl('/capped', { headers: { accept: 'application/json' } })).body);
    assert.equal(doc.versions[refused.version], undefined);
    assert.ok(JSON.stringify(doc).length <= 20 * 1024);
    assert.equal(await stack.sql(`SELECT COUNT(*) FROM versions WHERE version = '${refused.version}'`), '0');
    assert.equal((await stack.curl(`/capped/-/capped-${refused.version}.tgz`)).status, 404);
  });
});
