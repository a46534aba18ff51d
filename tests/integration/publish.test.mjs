// npm core, packages (issue 3, points 5–11 and the bad-input list): publish
// with the real npm CLI and raw HTTP, packuments, tarballs, install, view,
// search, and the failures that must leave nothing behind.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { openRequest } from '../lib/fcgi-client.mjs';
import { account, integrity, makePackage, pack, publishBody, sha1, tarballFiles } from '../lib/packages.mjs';
import { sh, Stack } from '../lib/stack.mjs';

const json = { 'content-type': 'application/json' };

describe('publish, read and install with the real npm CLI', () => {
  let stack;
  let alice;
  let bob;
  const tgz = {};

  before(async () => {
    stack = await Stack.start({ maxBody: '2M' });
    alice = await account(stack, 'alice');
    bob = await account(stack, 'bob');
  });
  after(async () => { await stack?.stop(); });

  const publishDir = async (who, manifest, args = []) => {
    const dir = await makePackage(stack.dir, manifest);
    return stack.npm(['publish', ...args], { cwd: dir, home: who.home });
  };

  test('npm publish of unscoped and scoped packages records what npm reads', async () => {
    const leaf1 = await publishDir(alice, { name: 'leaf-pkg', version: '1.0.0', description: 'the leaf' });
    assert.equal(leaf1.code, 0, leaf1.stderr);
    assert.match(leaf1.stdout, /\+ leaf-pkg@1\.0\.0/);
    const leaf2 = await publishDir(alice, { name: 'leaf-pkg', version: '2.0.0-beta.1' }, ['--tag', 'beta']);
    assert.equal(leaf2.code, 0, leaf2.stderr);
    const proto = await publishDir(alice, { name: 'proto-pkg', version: '1.1.0', description: 'protocol probe package',
      keywords: ['probe', 'zebrafish'], dependencies: { 'leaf-pkg': 'beta' } });
    assert.equal(proto.code, 0, proto.stderr);
    const widget = await publishDir(alice, { name: '@acme/widget', version: '0.1.0', description: 'a scoped widget',
      dependencies: { 'proto-pkg': '^1.0.0' } }, ['--access', 'public']);
    assert.equal(widget.code, 0, widget.stderr);

    const doc = JSON.parse((await stack.curl('/@acme%2fwidget', { headers: { accept: 'application/json' } })).body);
    assert.equal(doc._id, '@acme/widget');
    assert.match(doc._rev, /^\d+-[0-9a-f]{16}$/);
    assert.deepEqual(doc['dist-tags'], { latest: '0.1.0' });
    const v = doc.versions['0.1.0'];
    assert.equal(v.dist.tarball, `${stack.url}/@acme/widget/-/widget-0.1.0.tgz`);
    // Names only: an email is shown to its own account alone (issue 8, point 4).
    assert.deepEqual(v._npmUser, { name: 'alice', email: '' });
    assert.deepEqual(doc.maintainers, [{ name: 'alice', email: '' }]);
    assert.match(doc.time['0.1.0'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(doc.time.created && doc.time.modified);
    assert.equal(doc.description, 'a scoped widget');
    assert.ok(!('_attachments' in doc));
    assert.ok(!('readme' in v), 'the readme is hoisted, not kept per version');
    assert.match(doc.readme, /# @acme\/widget/);

    const leaf = JSON.parse((await stack.curl('/leaf-pkg', { headers: { accept: 'application/json' } })).body);
    assert.deepEqual(leaf['dist-tags'], { latest: '1.0.0', beta: '2.0.0-beta.1' });
    assert.equal(leaf.description, 'the leaf');
  });

  test('dist fields are computed from the bytes and match the tarball served', async () => {
    const doc = JSON.parse((await stack.curl('/proto-pkg', { headers: { accept: 'application/json' } })).body);
    const dist = doc.versions['1.1.0'].dist;
    const got = await sh('curl', ['-sS', '--cacert', stack.ca, '-o', path.join(stack.dir, 'p.tgz'), '-D', '-',
      '-H', 'Accept-Encoding: gzip, deflate, br', dist.tarball]);
    assert.equal(got.code, 0);
    assert.match(got.stdout, /^HTTP\/\S+ 200/);
    assert.match(got.stdout, /content-type: application\/octet-stream/i);
    assert.match(got.stdout, /cache-control: public, max-age=31536000, immutable/i);
    assert.doesNotMatch(got.stdout, /content-encoding/i);
    const bytes = await (await import('node:fs/promises')).readFile(path.join(stack.dir, 'p.tgz'));
    assert.match(got.stdout, new RegExp(`content-length: ${bytes.length}`, 'i'));
    assert.equal(sha1(bytes), dist.shasum);
    assert.equal(integrity(bytes), dist.integrity);
    tgz.proto = bytes;
  });

  test('scoped tarballs answer at both spellings, and the worker only names the file', async () => {
    for (const p of ['/@acme/widget/-/widget-0.1.0.tgz', '/@acme%2fwidget/-/widget-0.1.0.tgz']) {
      const r = await stack.curl(p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], 'application/octet-stream');
    }
    // Straight to the worker: an X-Accel-Redirect and no bytes (SPEC §2).
    const req = openRequest(path.join(stack.dir, 'run/fcgi.sock'), { REQUEST_METHOD: 'GET',
      REQUEST_URI: '/@acme/widget/-/widget-0.1.0.tgz', HTTPS: 'on' });
    req.sendBody(Buffer.alloc(0));
    const resp = await req.response;
    assert.match(resp.text, /^X-Accel-Redirect: \/-\/internal\/tarballs\/@acme\/widget\/widget-0\.1\.0-[0-9a-f]{16}\.tgz\r$/m);
    assert.ok(resp.text.endsWith('\r\n\r\n'), 'no body from the worker');
    assert.equal((await stack.curl('/-/internal/tarballs/')).status, 404, 'the internal location is internal');
    assert.equal((await stack.curl('/proto-pkg/-/proto-pkg-9.9.9.tgz')).status, 404);
    assert.equal((await stack.curl('/proto-pkg/-/other-1.1.0.tgz')).status, 404);
  });

  test('full and abbreviated documents: content types, distinct ETags, Vary and 304', async () => {
    const corgiAccept = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
    const full = await stack.curl('/proto-pkg', { headers: { accept: 'application/json' } });
    const corgi = await stack.curl('/proto-pkg', { headers: { accept: corgiAccept } });
    assert.equal(full.headers['content-type'], 'application/json');
    assert.equal(corgi.headers['content-type'], 'application/vnd.npm.install-v1+json');
    assert.match(full.headers.vary, /Accept/);
    assert.notEqual(full.headers.etag, corgi.headers.etag);
    const c = JSON.parse(corgi.body);
    assert.deepEqual(Object.keys(c).sort(), ['dist-tags', 'modified', 'name', 'versions']);
    const cv = c.versions['1.1.0'];
    assert.deepEqual(cv.dependencies, { 'leaf-pkg': 'beta' });
    assert.ok(cv.dist.integrity && cv.dist.shasum && cv.dist.tarball);
    assert.ok(!('description' in cv) && !('keywords' in cv));

    const same = await stack.curl('/proto-pkg', { headers: { accept: 'application/json', 'if-none-match': full.headers.etag } });
    assert.equal(same.status, 304);
    // Documents are stored gzipped: a client that does not take gzip gets them
    // inflated on the fly, under the weak form of the same ETag.
    assert.equal(`W/${same.headers.etag}`, full.headers.etag);
    const weak = await stack.curl('/proto-pkg', { headers: { accept: 'application/json', 'if-none-match': `W/${same.headers.etag}` } });
    assert.equal(weak.status, 304);
    // One cache slot per URL (protocol §1.6): the corgi's ETag must not validate the full document.
    const cross = await stack.curl('/proto-pkg', { headers: { accept: 'application/json', 'if-none-match': corgi.headers.etag } });
    assert.equal(cross.status, 200);
    const pnpm = await stack.curl('/@acme%2Fwidget', { headers: { accept: corgiAccept } });
    assert.equal(pnpm.status, 200);
    const gz = await sh('curl', ['-sS', '--cacert', stack.ca, '-D', '-', '-o', '/dev/null', '-H', 'Accept: application/json',
      '-H', 'Accept-Encoding: gzip', `${stack.url}/proto-pkg`]);
    assert.match(gz.stdout, /content-encoding: gzip/i, 'JSON is gzipped for clients that ask');
  });

  test('the ETag changes when the package changes', async () => {
    const before1 = await stack.curl('/leaf-pkg', { headers: { accept: 'application/json' } });
    const r = await publishDir(alice, { name: 'leaf-pkg', version: '1.0.1' });
    assert.equal(r.code, 0, r.stderr);
    const after1 = await stack.curl('/leaf-pkg', { headers: { accept: 'application/json', 'if-none-match': before1.headers.etag } });
    assert.equal(after1.status, 200);
    assert.notEqual(after1.headers.etag, before1.headers.etag);
    assert.notEqual(JSON.parse(after1.body)._rev, JSON.parse(before1.body)._rev);
  });

  test('version manifests by version and tag; unknown names and versions are 404 JSON', async () => {
    const v = await stack.curl('/proto-pkg/1.1.0');
    assert.equal(v.status, 200);
    assert.equal(JSON.parse(v.body).version, '1.1.0');
    const t = await stack.curl('/leaf-pkg/beta');
    assert.equal(JSON.parse(t.body).version, '2.0.0-beta.1');
    for (const p of ['/proto-pkg/9.9.9', '/no-such-package', '/@acme%2fnothing', '/leaf-pkg/nightly-not-a-tag']) {
      const r = await stack.curl(p);
      assert.equal(r.status, 404, p);
      assert.equal(typeof JSON.parse(r.body).error, 'string');
    }
    const npm404 = await stack.npm(['view', 'no-such-package'], { home: alice.home });
    assert.notEqual(npm404.code, 0);
    assert.match(npm404.stderr, /E404/);
  });

  test('npm install builds a three-level tree with a scoped package and a dist-tag; npm ci reproduces it', async () => {
    const app = path.join(stack.dir, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const r = await stack.npm(['install', '@acme/widget@^0.1.0'], { cwd: app, home: 'fresh-cache-1' });
    assert.equal(r.code, 0, r.stderr);
    const lock = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(app, 'package-lock.json'), 'utf8'));
    const pkgs = lock.packages;
    assert.equal(pkgs['node_modules/@acme/widget'].version, '0.1.0');
    assert.equal(pkgs['node_modules/proto-pkg'].version, '1.1.0');
    assert.equal(pkgs['node_modules/leaf-pkg'].version, '2.0.0-beta.1', 'the beta dist-tag was followed');
    for (const [name, ver] of [['@acme/widget', '0.1.0'], ['proto-pkg', '1.1.0'], ['leaf-pkg', '2.0.0-beta.1']]) {
      const doc = JSON.parse((await stack.curl(`/${name.replace('/', '%2f')}`, { headers: { accept: 'application/json' } })).body);
      assert.equal(pkgs[`node_modules/${name}`].integrity, doc.versions[ver].dist.integrity, name);
      assert.equal(pkgs[`node_modules/${name}`].resolved, doc.versions[ver].dist.tarball, name);
    }
    const req = await sh('node', ['-e', "console.log(require('@acme/widget'), require('proto-pkg'), require('leaf-pkg'))"], { cwd: app });
    assert.equal(req.stdout.trim(), '@acme/widget@0.1.0 proto-pkg@1.1.0 leaf-pkg@2.0.0-beta.1');

    await (await import('node:fs/promises')).rm(path.join(app, 'node_modules'), { recursive: true });
    const ci = await stack.npm(['ci'], { cwd: app, home: 'fresh-cache-2' });
    assert.equal(ci.code, 0, ci.stderr);
    const again = await sh('node', ['-e', "console.log(require('leaf-pkg'))"], { cwd: app });
    assert.equal(again.stdout.trim(), 'leaf-pkg@2.0.0-beta.1');
  });

  test('npm view prints the right values', async () => {
    const all = await stack.npm(['view', 'proto-pkg'], { home: alice.home });
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /proto-pkg@1\.1\.0/);
    assert.match(all.stdout, /protocol probe package/);
    assert.match(all.stdout, /published .* by alice\n/);
    assert.match(all.stdout, /^- alice$/m, 'names only, printed cleanly (issue 8, point 4)');
    assert.doesNotMatch(all.stdout, /@example\.com|undefined/);
    const shasum = await stack.npm(['view', 'proto-pkg@1.1.0', 'dist.shasum'], { home: alice.home });
    assert.equal(shasum.stdout.trim(), sha1(tgz.proto));
    const versions = await stack.npm(['view', 'leaf-pkg', 'versions', '--json'], { home: alice.home });
    assert.deepEqual(JSON.parse(versions.stdout), ['1.0.0', '1.0.1', '2.0.0-beta.1']);
  });

  test('npm search finds packages by name, description and keyword, exact name first', async () => {
    const byKeyword = await stack.npm(['search', 'zebrafish', '--json'], { home: alice.home });
    assert.equal(byKeyword.code, 0, byKeyword.stderr);
    assert.deepEqual(JSON.parse(byKeyword.stdout).map((p) => p.name), ['proto-pkg']);
    const byDescription = await stack.npm(['search', 'scoped', '--json'], { home: alice.home });
    assert.deepEqual(JSON.parse(byDescription.stdout).map((p) => p.name), ['@acme/widget']);
    const byName = await stack.npm(['search', 'leaf-pkg', '--json'], { home: alice.home });
    assert.equal(JSON.parse(byName.stdout)[0].name, 'leaf-pkg');
    const text = await stack.npm(['search', 'proto'], { home: alice.home });
    assert.match(text.stdout, /proto-pkg/);
    assert.doesNotMatch(text.stdout, /prehistoric|undefined/);

    const raw = JSON.parse((await stack.curl('/-/v1/search?text=pkg&size=2&from=0')).body);
    assert.equal(raw.objects.length, 2);
    assert.ok(raw.total >= 2);
    const o = raw.objects[0].package;
    assert.ok(Array.isArray(o.maintainers));
    assert.ok(o.version && o.date && o.publisher.username === 'alice');
    const page2 = JSON.parse((await stack.curl('/-/v1/search?text=pkg&size=2&from=2')).body);
    assert.ok(!page2.objects.some((p) => raw.objects.map((x) => x.package.name).includes(p.package.name)));
    assert.equal((await stack.curl('/-/v1/search?text=x&size=0')).status, 400);
    assert.equal((await stack.curl('/-/v1/search?text=x&from=-1')).status, 400);
  });

  test('republishing a version with other bytes is 409, an identical re-publish succeeds', async () => {
    const again = await publishDir(alice, { name: 'proto-pkg', version: '1.1.0', description: 'changed!' });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /cannot publish over the previously published version/);

    const manifest = { name: 'same-pkg', version: '1.0.0' };
    const bytes = await pack(await makePackage(stack.dir, manifest));
    const body = JSON.stringify(publishBody(manifest, bytes));
    const first = await stack.curl('/same-pkg', { method: 'PUT', headers: { ...json, ...alice.auth }, data: body });
    assert.equal(first.status, 201, first.body);
    const files = await tarballFiles(stack);
    const retry = await stack.curl('/same-pkg', { method: 'PUT', headers: { ...json, ...alice.auth }, data: body });
    assert.equal(retry.status, 200, retry.body);
    assert.deepEqual(await tarballFiles(stack), files);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'same-pkg'"), '1');
  });

  test('publishing to a package you do not own is 403', async () => {
    const r = await publishDir(bob, { name: 'proto-pkg', version: '1.2.0' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /E403/);
    assert.match(r.stderr, /do not have permission to publish "proto-pkg"/);
  });

  test('two publishes of one version racing: exactly one wins and its bytes are stored', async () => {
    const bodies = [];
    for (const flavour of ['a', 'b']) {
      const manifest = { name: 'race-pkg', version: '1.0.0', description: `flavour ${flavour}` };
      const bytes = await pack(await makePackage(path.join(stack.dir, flavour), manifest));
      bodies.push({ bytes, body: JSON.stringify(publishBody(manifest, bytes)) });
    }
    assert.notEqual(integrity(bodies[0].bytes), integrity(bodies[1].bytes));
    const results = await Promise.all(bodies.map((b) =>
      stack.curl('/race-pkg', { method: 'PUT', headers: { ...json, ...alice.auth }, data: b.body })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409]);
    const winner = bodies[results.findIndex((r) => r.status === 201)];
    const doc = JSON.parse((await stack.curl('/race-pkg', { headers: { accept: 'application/json' } })).body);
    assert.equal(doc.versions['1.0.0'].dist.integrity, integrity(winner.bytes));
    const got = await sh('curl', ['-sS', '--cacert', stack.ca, '-o', path.join(stack.dir, 'race.tgz'), doc.versions['1.0.0'].dist.tarball]);
    assert.equal(got.code, 0);
    const served = await (await import('node:fs/promises')).readFile(path.join(stack.dir, 'race.tgz'));
    assert.equal(integrity(served), integrity(winner.bytes));
    assert.equal((await tarballFiles(stack)).filter((f) => f.includes('/race-pkg/')).length, 1, 'the loser left no file');
  });

  describe('bad input: a clear 4xx and nothing stored', () => {
    let manifest;
    let bytes;
    before(async () => {
      manifest = { name: 'bad-pkg', version: '1.0.0' };
      bytes = await pack(await makePackage(stack.dir, manifest));
    });

    const expectRejected = async (urlPath, body, status = 400, headers = {}) => {
      const files = await tarballFiles(stack);
      const versions = await stack.sql('SELECT COUNT(*) FROM versions');
      const r = await stack.curl(urlPath, { method: 'PUT', headers: { ...json, ...alice.auth, ...headers },
        data: typeof body === 'string' ? body : JSON.stringify(body) });
      assert.equal(r.status, status, `${urlPath}: ${r.body}`);
      assert.equal(typeof JSON.parse(r.body).error, 'string');
      assert.deepEqual(await tarballFiles(stack), files, 'no tarball file left');
      assert.equal(await stack.sql('SELECT COUNT(*) FROM versions'), versions, 'no version row');
      assert.ok(!(await tarballFiles(stack)).some((f) => f.includes('/.tmp/')));
      return JSON.parse(r.body).error;
    };

    test('malformed JSON and non-object bodies', async () => {
      await expectRejected('/bad-pkg', '{"name": "bad-pkg", ');
      await expectRejected('/bad-pkg', '[1,2,3]');
      await expectRejected('/bad-pkg', '');
    });

    test('a body over the limit is 413', async () => {
      const huge = publishBody(manifest, Buffer.concat([bytes, Buffer.alloc(3 << 20)]));
      const r = await stack.curl('/bad-pkg', { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(huge) });
      assert.equal(r.status, 413);
      assert.match(JSON.parse(r.body).error, /larger than/);
    });

    test('missing, extra or misnamed attachments', async () => {
      const none = publishBody(manifest, bytes);
      none._attachments = {};
      await expectRejected('/bad-pkg', none);
      const noKey = publishBody(manifest, bytes);
      delete noKey._attachments;
      await expectRejected('/bad-pkg', noKey);
      const two = publishBody(manifest, bytes);
      two._attachments['bad-pkg-1.0.1.tgz'] = two._attachments['bad-pkg-1.0.0.tgz'];
      await expectRejected('/bad-pkg', two);
      await expectRejected('/bad-pkg', publishBody(manifest, bytes, { attachmentName: 'other-1.0.0.tgz' }));
    });

    test('bad base64, wrong length and bytes that are not a gzip tarball', async () => {
      const b64 = publishBody(manifest, bytes);
      b64._attachments['bad-pkg-1.0.0.tgz'].data = '!!!not base64!!!';
      await expectRejected('/bad-pkg', b64);
      const len = publishBody(manifest, bytes);
      len._attachments['bad-pkg-1.0.0.tgz'].length = bytes.length + 1;
      await expectRejected('/bad-pkg', len);
      await expectRejected('/bad-pkg', publishBody(manifest, Buffer.from('plain text, not gzip')));
    });

    test('shasum or integrity that do not match the bytes', async () => {
      const e1 = await expectRejected('/bad-pkg', publishBody(manifest, bytes, { dist: { shasum: '0'.repeat(40) } }));
      assert.match(e1, /shasum/);
      const e2 = await expectRejected('/bad-pkg', publishBody(manifest, bytes, { dist: { integrity: integrity(Buffer.from('x')) } }));
      assert.match(e2, /integrity/);
    });

    test('name or version in the URL differing from the body', async () => {
      await expectRejected('/other-pkg', publishBody(manifest, bytes));
      const wrongVersion = publishBody(manifest, bytes);
      wrongVersion.versions['1.0.0'].version = '1.0.1';
      await expectRejected('/bad-pkg', wrongVersion);
      const wrongName = publishBody(manifest, bytes);
      wrongName.versions['1.0.0'].name = 'other-pkg';
      await expectRejected('/bad-pkg', wrongName);
    });

    test('invalid package names', async () => {
      for (const [urlName, bodyName] of [['UPPER', 'UPPER'], ['a%2fb%2fc', 'a/b/c'],
        ['x'.repeat(215), 'x'.repeat(215)], ['node_modules', 'node_modules'], ['http', 'http'], ['.hidden', '.hidden']]) {
        await expectRejected(`/${urlName}`, publishBody({ name: bodyName, version: '1.0.0' }, bytes));
      }
      // "/.." and "/%2e%2e" never reach depot: nginx decodes and refuses to
      // leave the root with its own 400 (the router's own check is unit-tested).
      for (const dots of ['/..', '/%2e%2e']) {
        const r = await stack.curl(dots, { method: 'PUT', headers: { ...json, ...alice.auth },
          data: JSON.stringify(publishBody({ name: '..', version: '1.0.0' }, bytes)), extra: ['--path-as-is'] });
        assert.equal(r.status, 400, dots);
      }
      const r = await stack.curl('/a/b/c', { method: 'PUT', headers: { ...json, ...alice.auth }, data: '{}' });
      assert.ok(r.status >= 400 && r.status < 500);
    });

    test('invalid semver and unknown or invalid dist-tags', async () => {
      for (const version of ['1.0', 'v1.0.0', '01.0.0', '1.0.0-', 'latest']) {
        await expectRejected('/bad-pkg', publishBody({ ...manifest, version }, bytes));
      }
      const otherTag = publishBody(manifest, bytes);
      otherTag['dist-tags'] = { latest: '9.9.9' };
      await expectRejected('/bad-pkg', otherTag);
      await expectRejected('/bad-pkg', publishBody(manifest, bytes, { tag: '1.0.0' }));
      await expectRejected('/bad-pkg', publishBody(manifest, bytes, { access: 'secret' }));
    });

    test('missing or garbage Authorization', async () => {
      const body = publishBody(manifest, bytes);
      const files = await tarballFiles(stack);
      for (const authorization of [undefined, 'Bearer nope', 'Basic xxx', 'Negotiate abc']) {
        const headers = { ...json, ...(authorization ? { authorization } : {}) };
        const r = await stack.curl('/bad-pkg', { method: 'PUT', headers, data: JSON.stringify(body) });
        assert.equal(r.status, 401, String(authorization));
        assert.ok(r.headers['www-authenticate']);
      }
      assert.deepEqual(await tarballFiles(stack), files);
      assert.equal((await stack.curl('/bad-pkg')).status, 404);
    });
  });

  test('with MariaDB gone a publish fails with a 5xx and leaves no file and no row', async () => {
    const manifest = { name: 'lost-db-pkg', version: '1.0.0' };
    const bytes = await pack(await makePackage(stack.dir, manifest));
    const files = await tarballFiles(stack);
    assert.equal((await stack.ctl('db-stop')).code, 0);
    try {
      const r = await stack.curl('/lost-db-pkg', { method: 'PUT', headers: { ...json, ...alice.auth },
        data: JSON.stringify(publishBody(manifest, bytes)) });
      assert.ok(r.status >= 500, `${r.status} ${r.body}`);
      assert.deepEqual(await tarballFiles(stack), files);
    } finally {
      assert.equal((await stack.ctl('db-start')).code, 0);
    }
    assert.equal(await stack.sql("SELECT COUNT(*) FROM packages WHERE name = 'lost-db-pkg'"), '0');
    assert.deepEqual(await tarballFiles(stack), files);
  });

  test('an orphan temp file from a killed write is removed at start-up', async () => {
    const tmp = path.join(stack.dir, 'tarballs', '.tmp');
    await mkdir(tmp, { recursive: true });
    const orphan = path.join(tmp, 'put-KILLED');
    const fresh = path.join(tmp, 'put-INFLIGHT');
    await writeFile(orphan, 'half a tarball');
    await writeFile(fresh, 'a write in progress elsewhere');
    const hourAgo = new Date(Date.now() - 3600e3);
    await utimes(orphan, hourAgo, hourAgo);
    assert.equal((await stack.ctl('fcgi-stop')).code, 0);
    assert.equal((await stack.ctl('fcgi-start')).code, 0);
    // Each worker process sweeps as it starts (services/sweep).
    let left = [];
    for (let i = 0; i < 50; i++) {
      left = await readdir(tmp);
      if (left.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, ['put-INFLIGHT']);
    assert.match(await stack.log('depot-fcgi.log'), /sweep: removed .* 1 partial writes/);
  });

  test('the unscoped sha of a published tarball stays put after a worker restart', async () => {
    const r = await stack.curl('/proto-pkg', { headers: { accept: 'application/json' } });
    assert.equal(createHash('sha1').update(tgz.proto).digest('hex'), JSON.parse(r.body).versions['1.1.0'].dist.shasum);
  });
});
