// The package lifecycle with the real npm CLI (issue 4): dist-tags,
// deprecate, _rev, unpublish with tombstones, owners, access, stars, the
// change feed, depotctl log, and npm audit from depot's advisories.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage, pack, publishBody, tarballFiles } from '../lib/packages.mjs';
import { binDir, sh, Stack } from '../lib/stack.mjs';

const json = { 'content-type': 'application/json' };

describe('the package lifecycle with the real npm CLI', () => {
  let stack;
  let alice;
  let bob;
  let carol;

  before(async () => {
    stack = await Stack.start({ extraConf: 'password_iterations = 1000\nunpublish_window_hours = 24' });
    [alice, bob, carol] = [await account(stack, 'alice'), await account(stack, 'bob'), await account(stack, 'carol')];
  });
  after(async () => { await stack?.stop(); });

  const publish = async (who, manifest, args = []) => {
    const r = await stack.npm(['publish', ...args], { cwd: await makePackage(stack.dir, manifest), home: who.home });
    return r;
  };
  const doc = async (name, who) => JSON.parse((await stack.curl(`/${name.replace('/', '%2f')}`, {
    headers: { accept: 'application/json', ...(who ? who.auth : {}) } })).body);
  const ctl = (...args) => sh(path.join(binDir, 'depotctl'), ['--config', stack.config, ...args]);

  test('setup: tagged package with three versions', async () => {
    for (const [v, args] of [['1.0.0', []], ['1.1.0', []], ['2.0.0-beta.1', ['--tag', 'beta']]]) {
      const r = await publish(alice, { name: 'tagged', version: v }, args);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual((await doc('tagged'))['dist-tags'], { latest: '1.1.0', beta: '2.0.0-beta.1' },
      'publish --tag beta did not move latest');
  });

  test('npm dist-tag ls, add and rm; npm install NAME@TAG follows the tag', async () => {
    const add = await stack.npm(['dist-tag', 'add', 'tagged@1.0.0', 'stable'], { home: alice.home });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /\+stable: tagged@1\.0\.0/);
    const ls = await stack.npm(['dist-tag', 'ls', 'tagged'], { home: alice.home });
    assert.match(ls.stdout, /stable: 1\.0\.0/);
    assert.match(ls.stdout, /latest: 1\.1\.0/);

    const app = path.join(stack.dir, 'tag-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"tag-app","version":"1.0.0"}');
    const inst = await stack.npm(['install', 'tagged@stable'], { cwd: app, home: 'tag-cache' });
    assert.equal(inst.code, 0, inst.stderr);
    assert.equal(JSON.parse(await (await import('node:fs/promises')).readFile(path.join(app, 'node_modules/tagged/package.json'), 'utf8')).version, '1.0.0');

    const rm = await stack.npm(['dist-tag', 'rm', 'tagged', 'stable'], { home: alice.home });
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(!('stable' in (await doc('tagged'))['dist-tags']));
  });

  test('tags must point at existing versions; latest stays; bad tag names are refused', async () => {
    const put = (tag, version, who = alice) => stack.curl(`/-/package/tagged/dist-tags/${encodeURIComponent(tag)}`,
      { method: 'PUT', headers: { ...json, ...who.auth }, data: JSON.stringify(version) });
    assert.equal((await put('next', '9.9.9')).status, 404);
    assert.equal((await put('next', 'not-a-version')).status, 400);
    for (const bad of ['1.0.0', 'v1', '1', 'x', 'a b', 'a/b']) {
      const r = await put(bad, '1.0.0');
      assert.equal(r.status, 400, bad);
    }
    const latest = await stack.curl('/-/package/tagged/dist-tags/latest', { method: 'DELETE', headers: alice.auth });
    assert.equal(latest.status, 400);
    const missing = await stack.curl('/-/package/tagged/dist-tags/nope', { method: 'DELETE', headers: alice.auth });
    assert.equal(missing.status, 404);
    const notString = await stack.curl('/-/package/tagged/dist-tags/next', { method: 'PUT', headers: { ...json, ...alice.auth }, data: '{"v":"1.0.0"}' });
    assert.equal(notString.status, 400);
    assert.deepEqual((await doc('tagged'))['dist-tags'], { latest: '1.1.0', beta: '2.0.0-beta.1' });
  });

  test('npm deprecate and undeprecate; install warns and view shows the message', async () => {
    const dep = await stack.npm(['deprecate', 'tagged@<1.1.0', 'use 1.1 instead'], { home: alice.home });
    assert.equal(dep.code, 0, dep.stderr);
    const d = await doc('tagged');
    assert.equal(d.versions['1.0.0'].deprecated, 'use 1.1 instead');
    assert.ok(!('deprecated' in d.versions['1.1.0']));
    const corgi = JSON.parse((await stack.curl('/tagged', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).body);
    assert.equal(corgi.versions['1.0.0'].deprecated, 'use 1.1 instead');

    const view = await stack.npm(['view', 'tagged@1.0.0'], { home: alice.home });
    assert.match(view.stdout, /DEPRECATED.*use 1\.1 instead/s);
    const app = path.join(stack.dir, 'dep-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"dep-app","version":"1.0.0"}');
    const inst = await stack.npm(['install', 'tagged@1.0.0'], { cwd: app, home: 'dep-cache' });
    assert.match(inst.stderr, /npm warn deprecated tagged@1\.0\.0: use 1\.1 instead/);

    const un = await stack.npm(['deprecate', 'tagged', ''], { home: alice.home });
    assert.equal(un.code, 0, un.stderr);
    assert.ok(!('deprecated' in (await doc('tagged')).versions['1.0.0']));
  });

  test('a metadata PUT may change deprecated fields only', async () => {
    const base = JSON.parse((await stack.curl('/tagged?write=true', { headers: alice.auth })).body);
    const put = (body) => stack.curl('/tagged', { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(body) });
    const manifest = structuredClone(base);
    manifest.versions['1.0.0'].dependencies = { evil: '*' };
    assert.equal((await put(manifest)).status, 400);
    const dist = structuredClone(base);
    dist.versions['1.0.0'].dist.tarball = 'https://evil.example/x.tgz';
    assert.equal((await put(dist)).status, 400);
    const time = structuredClone(base);
    time.time['1.0.0'] = '2000-01-01T00:00:00.000Z';
    assert.equal((await put(time)).status, 400);
    const extra = structuredClone(base);
    extra.versions['9.9.9'] = { ...base.versions['1.0.0'], version: '9.9.9', deprecated: 'nope' };
    assert.equal((await put(extra)).status, 400, 'deprecating a version that does not exist');
    assert.equal((await doc('tagged'))._rev, base._rev, 'nothing changed');
  });

  test('every change gives a new _rev, and a stale _rev is a 409', async () => {
    const before1 = JSON.parse((await stack.curl('/tagged?write=true', { headers: alice.auth })).body);
    await stack.npm(['dist-tag', 'add', 'tagged@1.0.0', 'old'], { home: alice.home });
    const after1 = await doc('tagged');
    assert.notEqual(after1._rev, before1._rev);
    before1.versions['1.0.0'].deprecated = 'stale write';
    const stale = await stack.curl('/tagged', { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(before1) });
    assert.equal(stale.status, 409);
    const staleRev = await stack.curl(`/tagged/-rev/${before1._rev}`, { method: 'PUT', headers: { ...json, ...alice.auth },
      data: JSON.stringify({ _id: 'tagged', _rev: before1._rev, maintainers: [{ name: 'alice' }] }) });
    assert.equal(staleRev.status, 409);
  });

  test('non-owners cannot publish, tag, deprecate or unpublish; after owner add they can', async () => {
    const pub = await publish(bob, { name: 'tagged', version: '1.2.0' });
    assert.match(pub.stderr, /E403/);
    const tag = await stack.npm(['dist-tag', 'add', 'tagged@1.0.0', 'bobs'], { home: bob.home });
    assert.notEqual(tag.code, 0);
    assert.match(tag.stderr, /403/);
    const dep = await stack.npm(['deprecate', 'tagged@1.0.0', 'bob says no'], { home: bob.home });
    assert.notEqual(dep.code, 0);
    const unp = await stack.npm(['unpublish', 'tagged@1.0.0'], { home: bob.home });
    assert.notEqual(unp.code, 0);
    const bobOwns = await stack.npm(['owner', 'add', 'bob', 'tagged'], { home: bob.home });
    assert.notEqual(bobOwns.code, 0, 'a non-owner cannot make themselves an owner');
    const bobAccess = await stack.curl('/-/package/tagged/access', { method: 'POST', headers: { ...json, ...bob.auth },
      data: '{"access":"public"}' });
    assert.equal(bobAccess.status, 403);
    const bobDelete = await stack.curl(`/tagged/-rev/${(await doc('tagged'))._rev}`, { method: 'DELETE', headers: bob.auth });
    assert.equal(bobDelete.status, 403);

    assert.equal((await doc('tagged')).versions['1.0.0'].version, '1.0.0');

    const ls = await stack.npm(['owner', 'ls', 'tagged'], { home: alice.home });
    assert.match(ls.stdout, /^alice <>$/m, 'names only (issue 8, point 4)');
    assert.doesNotMatch(ls.stdout, /@example\.com/);
    const add = await stack.npm(['owner', 'add', 'bob', 'tagged'], { home: alice.home });
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /\+ bob \(tagged\)/);
    const again = await publish(bob, { name: 'tagged', version: '1.2.0' });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await doc('tagged')).maintainers.map((m) => m.name).sort(), ['alice', 'bob']);

    const unknown = await stack.npm(['owner', 'add', 'nobody-here', 'tagged'], { home: alice.home });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /E404|nobody-here/);
    const rawUnknown = await stack.curl(`/tagged/-rev/${(await doc('tagged'))._rev}`, { method: 'PUT',
      headers: { ...json, ...alice.auth }, data: JSON.stringify({ _id: 'tagged', maintainers: [{ name: 'alice' }, { name: 'ghost' }] }) });
    assert.equal(rawUnknown.status, 400);

    const rm = await stack.npm(['owner', 'rm', 'bob', 'tagged'], { home: alice.home });
    assert.equal(rm.code, 0, rm.stderr);
    const none = await stack.curl(`/tagged/-rev/${(await doc('tagged'))._rev}`, { method: 'PUT',
      headers: { ...json, ...alice.auth }, data: JSON.stringify({ _id: 'tagged', maintainers: [] }) });
    assert.equal(none.status, 400, 'the last owner cannot be removed');
    assert.deepEqual((await doc('tagged')).maintainers.map((m) => m.name), ['alice']);
  });

  test('a read-only token cannot write', async () => {
    const made = await stack.npm(['token', 'create', '--password=alice-password-1', '--packages-and-scopes-permission=read-only'],
      { home: alice.home });
    const ro = made.stdout.match(/Created token (\S+)/)[1];
    const auth = { authorization: `Bearer ${ro}` };
    const tag = await stack.curl('/-/package/tagged/dist-tags/ro', { method: 'PUT', headers: { ...json, ...auth }, data: '"1.0.0"' });
    assert.equal(tag.status, 403);
    const owner = await stack.curl(`/tagged/-rev/${(await doc('tagged'))._rev}`, { method: 'PUT', headers: { ...json, ...auth },
      data: JSON.stringify({ _id: 'tagged', maintainers: [{ name: 'alice' }, { name: 'bob' }] }) });
    assert.equal(owner.status, 403);
    const del = await stack.curl(`/tagged/-rev/${(await doc('tagged'))._rev}`, { method: 'DELETE', headers: auth });
    assert.equal(del.status, 403);
    const read = await stack.curl('/tagged', { headers: auth });
    assert.equal(read.status, 200);
  });

  test('npm unpublish NAME@V leaves a tombstone; its file goes after the commit', async () => {
    for (const v of ['1.0.0', '1.0.1']) assert.equal((await publish(alice, { name: 'gone-pkg', version: v })).code, 0);
    const files = (await tarballFiles(stack)).filter((f) => f.includes('/gone-pkg/'));
    assert.equal(files.length, 2);
    const r = await stack.npm(['unpublish', 'gone-pkg@1.0.1'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /- gone-pkg@1\.0\.1/);
    const d = await doc('gone-pkg');
    assert.deepEqual(Object.keys(d.versions), ['1.0.0']);
    assert.equal(d['dist-tags'].latest, '1.0.0');
    assert.equal((await stack.curl('/gone-pkg/-/gone-pkg-1.0.1.tgz')).status, 404);
    assert.equal((await tarballFiles(stack)).filter((f) => f.includes('/gone-pkg/')).length, 1);
    const back = await publish(alice, { name: 'gone-pkg', version: '1.0.1' });
    assert.notEqual(back.code, 0);
    assert.match(back.stderr, /cannot come back|previously published/);
  });

  test('npm unpublish NAME --force: 404 for installs, time.unpublished kept, versions never return', async () => {
    const r = await stack.npm(['unpublish', 'gone-pkg', '--force'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const g = await stack.curl('/gone-pkg', { headers: { accept: 'application/json' } });
    assert.equal(g.status, 404);
    const body = JSON.parse(g.body);
    assert.match(body.time.unpublished.time, /^\d{4}-/);
    assert.deepEqual(body.time.unpublished.versions.sort(), ['1.0.0', '1.0.1']);
    assert.equal((await tarballFiles(stack)).filter((f) => f.includes('/gone-pkg/')).length, 0);
    const view = await stack.npm(['view', 'gone-pkg'], { home: alice.home });
    assert.notEqual(view.code, 0);
    const again = await publish(alice, { name: 'gone-pkg', version: '1.0.0' });
    assert.notEqual(again.code, 0, 'a tombstoned version never comes back');
    const fresh = await publish(alice, { name: 'gone-pkg', version: '2.0.0' });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(Object.keys((await doc('gone-pkg')).versions), ['2.0.0']);
  });

  test('unpublish checks the rev and the configured window', async () => {
    const d = await doc('tagged');
    const wrongRev = await stack.curl('/tagged/-rev/1-0000000000000000', { method: 'DELETE', headers: alice.auth });
    assert.equal(wrongRev.status, 409);
    await stack.sql("UPDATE versions v JOIN packages p ON p.id = v.package_id SET v.published_at = NOW(3) - INTERVAL 2 DAY WHERE p.name = 'tagged' AND v.version = '1.0.0'");
    const body = structuredClone(d);
    delete body.versions['1.0.0'];
    const old = await stack.curl(`/tagged/-rev/${d._rev}`, { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(body) });
    assert.equal(old.status, 403);
    assert.match(JSON.parse(old.body).error, /24 hours/);
    assert.ok('1.0.0' in (await doc('tagged')).versions);
  });

  test('scoped packages are restricted unless published with --access public', async () => {
    const r = await publish(alice, { name: '@acme/secret', version: '1.0.0', description: 'a private zebra thing' });
    assert.equal(r.code, 0, r.stderr);
    const get = await stack.npm(['access', 'get', 'status', '@acme/secret'], { home: alice.home });
    assert.match(get.stdout, /@acme\/secret: private/);
    for (const p of ['/@acme%2fsecret', '/@acme/secret/1.0.0', '/@acme/secret/-/secret-1.0.0.tgz', '/-/package/@acme%2fsecret/dist-tags']) {
      assert.equal((await stack.curl(p)).status, 404, `anonymous ${p}`);
      assert.equal((await stack.curl(p, { headers: bob.auth })).status, 404, `bob ${p}`);
      assert.equal((await stack.curl(p, { headers: alice.auth })).status, 200, `alice ${p}`);
    }
    const bobSearch = JSON.parse((await stack.curl('/-/v1/search?text=zebra', { headers: bob.auth })).body);
    assert.equal(bobSearch.objects.length, 0);
    const aliceSearch = JSON.parse((await stack.curl('/-/v1/search?text=zebra', { headers: alice.auth })).body);
    assert.deepEqual(aliceSearch.objects.map((o) => o.package.name), ['@acme/secret']);
    const bobPublish = await publish(bob, { name: '@acme/secret', version: '1.0.1' });
    assert.notEqual(bobPublish.code, 0);

    const collaborators = await stack.npm(['access', 'list', 'collaborators', '@acme/secret', '--json'], { home: alice.home });
    assert.deepEqual(JSON.parse(collaborators.stdout), { alice: 'read-write' });
    const mine = await stack.npm(['access', 'list', 'packages', '--json'], { home: alice.home });
    assert.equal(JSON.parse(mine.stdout)['@acme/secret'], 'read-write');
    const theirs = await stack.npm(['access', 'list', 'packages', 'alice', '--json'], { home: bob.home });
    assert.ok(!('@acme/secret' in JSON.parse(theirs.stdout)), 'restricted packages are not listed to others');

    const pub = await stack.npm(['access', 'set', 'status=public', '@acme/secret'], { home: alice.home });
    assert.equal(pub.code, 0, pub.stderr);
    assert.equal((await stack.curl('/@acme%2fsecret')).status, 200);
    const priv = await stack.npm(['access', 'set', 'status=private', '@acme/secret'], { home: alice.home });
    assert.equal(priv.code, 0, priv.stderr);
    assert.equal((await stack.curl('/@acme%2fsecret')).status, 404);
    const unscoped = await stack.curl('/-/package/tagged/access', { method: 'POST', headers: { ...json, ...alice.auth },
      data: '{"access":"restricted"}' });
    assert.equal(unscoped.status, 400);
    const notOwner = await stack.curl('/-/package/@acme%2fsecret/access', { method: 'POST', headers: { ...json, ...bob.auth },
      data: '{"access":"public"}' });
    assert.equal(notOwner.status, 404);
  });

  test('npm star, unstar and stars', async () => {
    const star = await stack.npm(['star', 'tagged'], { home: carol.home });
    assert.equal(star.code, 0, star.stderr);
    assert.deepEqual((await doc('tagged')).users, { carol: true });
    const stars = await stack.npm(['stars'], { home: carol.home });
    assert.match(stars.stdout, /tagged/);
    const unstar = await stack.npm(['unstar', 'tagged'], { home: carol.home });
    assert.equal(unstar.code, 0, unstar.stderr);
    assert.deepEqual((await doc('tagged')).users, {});
    const forOthers = await stack.curl('/tagged', { method: 'PUT', headers: { ...json, ...carol.auth },
      data: JSON.stringify({ _id: 'tagged', users: { carol: true, alice: true } }) });
    assert.equal(forOthers.status, 403);
  });

  test('the change feed lists every change in order; private ones only to their readers', async () => {
    const all = JSON.parse((await stack.curl('/-/changes?since=0&limit=1000', { headers: alice.auth })).body);
    const seqs = all.results.map((c) => c.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(all.last_seq, seqs.at(-1));
    const kinds = new Set(all.results.map((c) => c.kind));
    for (const k of ['publish', 'tag', 'untag', 'deprecate', 'unpublish', 'owner', 'access', 'star', 'unstar']) {
      assert.ok(kinds.has(k), k);
    }
    const first = all.results.find((c) => c.name === 'tagged');
    assert.equal(first.kind, 'publish');
    assert.match(first.time, /^\d{4}-/);
    const page = JSON.parse((await stack.curl(`/-/changes?since=${seqs[1]}&limit=2`)).body);
    assert.ok(page.results.every((c) => c.seq > seqs[1]));
    assert.ok(page.results.length <= 2);
    const anonymous = JSON.parse((await stack.curl('/-/changes?since=0&limit=1000')).body);
    assert.ok(anonymous.results.every((c) => c.name !== '@acme/secret'));
    assert.ok(all.results.some((c) => c.name === '@acme/secret'));
    assert.equal((await stack.curl('/-/changes?since=abc')).status, 400);
  });

  test('depotctl log prints who did what and when', async () => {
    const pkg = await ctl('log', '--package', 'tagged');
    assert.equal(pkg.code, 0, pkg.stderr);
    assert.match(pkg.stdout, /publish {2}tagged {2}by alice/);
    assert.match(pkg.stdout, /owner {2}tagged {2}by alice/);
    assert.ok(!pkg.stdout.includes('gone-pkg'));
    const bobs = await ctl('log', '--user', 'bob');
    assert.match(bobs.stdout, /publish {2}tagged {2}by bob/);
    assert.ok(!bobs.stdout.includes('by alice'));
  });

  test('npm audit reports depot advisories; an empty table is clean', async () => {
    const app = path.join(stack.dir, 'audit-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"audit-app","version":"1.0.0"}');
    const inst = await stack.npm(['install', 'tagged@1.1.0'], { cwd: app, home: 'audit-cache' });
    assert.equal(inst.code, 0, inst.stderr);
    const clean = await stack.npm(['audit'], { cwd: app, home: 'audit-cache' });
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /found 0 vulnerabilities/);

    const add = await ctl('advisory', 'add', 'tagged', '<1.2.0', 'high', 'Prototype pollution in tagged');
    assert.equal(add.code, 0, add.stderr);
    const bad = await ctl('advisory', 'add', 'tagged', '*', 'apocalyptic', 'x');
    assert.equal(bad.code, 2);
    const audit = await stack.npm(['audit'], { cwd: app, home: 'audit-cache' });
    assert.equal(audit.code, 1);
    assert.match(audit.stdout, /Prototype pollution in tagged/);
    assert.match(audit.stdout, /high/);
  });
});
