// Uplinks (issue 11): depot as the one registry. Two real registries on
// loopback stand upstream: a second depot stack over HTTPS with its own CA
// ("up": @up/* and up-*), and a plain-HTTP registry that records every
// request and fails or stalls on command ("fake": everything else). Local
// names, restricted packages and names under "none" rules must never reach
// either; installs through depot must work with npm, pnpm and yarn, cold
// and with the uplink gone.

import assert from 'node:assert/strict';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { fakeRegistry } from '../lib/fake-registry.mjs';
import { account, integrity, makePackage, tarball } from '../lib/packages.mjs';
import { binDir, client, repo, sh, Stack } from '../lib/stack.mjs';

const pnpmBin = path.join(repo, 'tests/node_modules/pnpm/bin/pnpm.cjs');
const yarnBin = path.join(repo, 'tests/node_modules/@yarnpkg/cli-dist/bin/yarn.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exists = (p) => access(p).then(() => true, () => false);
const MAXAGE = 5;

describe('uplinks: one registry for everything', () => {
  let up;     // the upstream depot
  let fake;   // the recording registry
  let stack;  // depot under test
  let alice;  // on stack
  let bob;    // on up
  const times = {};

  const ctl = (...args) => sh(path.join(binDir, 'depotctl'), ['--config', stack.config, ...args]);
  const get = (p, headers = {}) => stack.curl(p, { headers: { accept: 'application/json', ...headers } });

  before(async () => {
    up = await Stack.start();
    fake = await fakeRegistry();
    bob = await account(up, 'bob');
    const publishUp = async (manifest, args = []) => {
      const r = await up.npm(['publish', ...args], { cwd: await makePackage(up.dir, manifest), home: bob.home });
      assert.equal(r.code, 0, r.stderr);
    };
    // A tree only upstream: up-app → up-lib ^1 and @up/util; up-lib has two
    // versions a second apart (npm --before tells them apart).
    await publishUp({ name: 'up-lib', version: '1.0.0', description: 'upstream library' });
    times.between = new Date(Date.now() + 600).toISOString();
    await sleep(1200);
    await publishUp({ name: 'up-lib', version: '1.1.0', description: 'upstream library' });
    await publishUp({ name: '@up/util', version: '2.0.0', custom: 'kept' }, ['--access', 'public']);
    await publishUp({ name: 'up-app', version: '1.0.0', dependencies: { 'up-lib': '^1.0.0', '@up/util': '^2.0.0' } });
    await publishUp({ name: 'up-old', version: '1.0.0' });
    const dep = await up.npm(['deprecate', 'up-old@1.0.0', 'use up-lib'], { home: bob.home });
    assert.equal(dep.code, 0, dep.stderr);
    // The same name as a local package below: never merged into search or installs.
    await publishUp({ name: 'local-lib', version: '5.0.0', description: 'library impostor' });

    for (const v of ['1.0.0']) {
      const m = { name: 'fake-a', version: v, description: 'from the fake' };
      fake.add(m, await tarball(up.dir, m));
    }
    const att = { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: { mediaType: 'x' } }] };
    const m = { name: 'fake-att', version: '1.0.0' };
    fake.add(m, await tarball(up.dir, m), { attestation: att });
    const bad = { name: 'fake-bad', version: '1.0.0' };
    fake.add(bad, await tarball(up.dir, bad), { tamper: true });
    const conc = { name: 'fake-conc', version: '1.0.0' };
    fake.add(conc, await tarball(up.dir, conc), { delayMs: 400 });
    const lm = { name: 'fake-lm', version: '1.0.0' };
    fake.add(lm, await tarball(up.dir, lm), { lastModified: true, time: new Date(Date.now() - 3600e3) });
    const cut = { name: 'fake-cut', version: '1.0.0' };
    fake.add(cut, await tarball(up.dir, cut));
    // Ten days old and brand new: client age gates must tell them apart.
    const old = { name: 'fake-aged', version: '1.0.0' };
    fake.add(old, await tarball(up.dir, old), { time: new Date(Date.now() - 10 * 86400e3) });
    const young = { name: 'fake-aged', version: '1.1.0' };
    fake.add(young, await tarball(up.dir, young));
    const taken = { name: 'fake-taken', version: '1.0.0' };
    fake.add(taken, await tarball(up.dir, taken));
    fake.advise('fake-a', { id: 4242, url: 'https://example.invalid/4242', title: 'fake-a is bad',
      severity: 'high', vulnerable_versions: '<2.0.0', cwe: [], cvss: { score: 7, vectorString: null } });

    stack = await Stack.start({ extraConf: [
      `uplink_up = ${up.url}`,
      `uplink_up_ca = ${up.ca}`,
      'uplink_up_timeout = 5',
      `uplink_fake = ${fake.url}`,
      'uplink_fake_timeout = 2',
      'uplink_fake_token = fake-uplink-secret',
      'proxy = @private/*:none @corp/*:none internal-*:none @up/*:up up-*:up *:fake',
      `uplink_maxage = ${MAXAGE}`,
      'audit_uplink = fake',
      'search_uplink = up',
    ].join('\n') });
    alice = await account(stack, 'alice');
  });
  after(async () => {
    await stack?.stop();
    await up?.stop();
    await fake?.close();
  });

  const project = async (name, deps) => {
    const dir = path.join(stack.dir, 'projects', name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, dependencies: deps }));
    return dir;
  };
  const purgeAll = async () => {
    const r = await ctl('cache', 'purge', '--older-than', '0');
    assert.equal(r.code, 0, r.stderr);
  };

  test('npm install and npm ci of an upstream-only tree, cold: resolved at depot, integrity as upstream', async () => {
    const dir = await project('npm-app', { 'up-app': '^1.0.0' });
    const r = await stack.npm(['install', '--cache', path.join(dir, 'cache')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    const entries = Object.entries(lock.packages).filter(([k]) => k);
    assert.deepEqual(entries.map(([k]) => k).sort(), ['node_modules/@up/util', 'node_modules/up-app', 'node_modules/up-lib']);
    for (const [k, v] of entries) {
      const name = k.slice('node_modules/'.length);
      assert.ok(v.resolved.startsWith(`${stack.url}/${name}/-/`), `${k} resolved at depot: ${v.resolved}`);
      const upstream = JSON.parse((await up.curl(`/${name.replace('/', '%2f')}`)).body);
      assert.equal(v.integrity, upstream.versions[v.version].dist.integrity, `${k} integrity as upstream`);
    }
    assert.equal(lock.packages['node_modules/up-lib'].version, '1.1.0');

    // npm ci asks for tarballs straight from the lockfile: with depot's
    // cache purged, the tarball route fetches the document first.
    await purgeAll();
    await rm(path.join(dir, 'node_modules'), { recursive: true });
    const ci = await stack.npm(['ci', '--cache', path.join(dir, 'cache2')], { cwd: dir });
    assert.equal(ci.code, 0, ci.stderr);
    const req = await sh('node', ['-e', "console.log(require('up-lib/package.json').version, require('@up/util/package.json').custom)"], { cwd: dir });
    assert.equal(req.stdout.trim(), '1.1.0 kept');
  });

  test('documents keep upstream time, deprecated, integrity and every other field; tarballs point at depot', async () => {
    const full = JSON.parse((await get('/up-old')).body);
    const upstream = JSON.parse((await up.curl('/up-old', { headers: { accept: 'application/json' } })).body);
    assert.deepEqual(full.time, upstream.time, 'time: created, modified and every version');
    assert.equal(full.versions['1.0.0'].deprecated, 'use up-lib');
    assert.equal(full.versions['1.0.0'].dist.integrity, upstream.versions['1.0.0'].dist.integrity);
    assert.equal(full.versions['1.0.0'].dist.tarball, `${stack.url}/up-old/-/up-old-1.0.0.tgz`);
    // Signatures are depot's (issue 13: the upstream depot's verified first).
    const keyid = JSON.parse((await stack.curl('/-/npm/v1/keys')).body).keys[0].keyid;
    assert.equal(full.versions['1.0.0'].dist.signatures[0].keyid, keyid);
    assert.notEqual(upstream.versions['1.0.0'].dist.signatures[0].keyid, keyid);
    const strip = (doc) => JSON.parse(JSON.stringify(doc, (k, v) => (k === 'tarball' || k === 'signatures' ? undefined : v)));
    assert.deepEqual(strip(full), strip(upstream), 'nothing else changed');

    const fakeDoc = JSON.parse((await get('/fake-a')).body);
    assert.deepEqual(fakeDoc['x-custom-field'], { kept: true });
    const corgi = await get('/up-lib', { accept: 'application/vnd.npm.install-v1+json' });
    assert.equal(corgi.status, 200);
    assert.match(corgi.headers['content-type'], /vnd\.npm\.install-v1\+json/);
    const abbrev = JSON.parse(corgi.body);
    assert.deepEqual(Object.keys(abbrev.versions).sort(), ['1.0.0', '1.1.0']);
    assert.equal(abbrev.versions['1.1.0'].dist.tarball, `${stack.url}/up-lib/-/up-lib-1.1.0.tgz`);
    assert.ok(abbrev.modified, 'modified from upstream time');
    assert.equal(abbrev.versions['1.0.0'].description, undefined, 'abbreviated');

    // Age gates work: npm --before picks the older version from the full document's time.
    const dir = await project('before-app', { 'up-lib': '^1.0.0' });
    const r = await stack.npm(['install', '--before', times.between, '--cache', path.join(dir, 'cache')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/up-lib'].version, '1.0.0');
  });

  test('pnpm install and yarn add through depot, cold', async () => {
    await purgeAll();
    const dir = await project('pnpm-app', { 'up-app': '^1.0.0' });
    await writeFile(path.join(dir, '.npmrc'), `registry=${stack.url}/\ncafile=${stack.ca}\n`);
    const p = await sh('node', [pnpmBin, 'install', '--reporter=append-only', `--store-dir=${path.join(dir, 'store')}`],
      { cwd: dir, env: { ...process.env, HOME: dir, npm_config_update_notifier: 'false' } });
    assert.equal(p.code, 0, p.stdout + p.stderr);
    const plock = await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
    const upLib = JSON.parse((await up.curl('/up-lib')).body).versions['1.1.0'].dist.integrity;
    assert.ok(plock.includes(upLib), 'pnpm lockfile has upstream integrity');

    await purgeAll();
    const ydir = await project('yarn-app', {});
    await writeFile(path.join(ydir, 'yarn.lock'), '');
    await writeFile(path.join(ydir, '.yarnrc.yml'), [
      `npmRegistryServer: "${stack.url}"`, `httpsCaFilePath: "${stack.ca}"`, 'npmMinimalAgeGate: 0',
      'nodeLinker: node-modules', 'enableGlobalCache: false', 'enableTelemetry: false',
      `cacheFolder: "${path.join(ydir, '.yarn-cache')}"`,
    ].join('\n') + '\n');
    const env = { ...process.env, HOME: ydir, YARN_ENABLE_TELEMETRY: '0', COREPACK_ENABLE_STRICT: '0' };
    const y = await sh('node', [yarnBin, 'add', 'up-app@^1.0.0'], { cwd: ydir, env });
    assert.equal(y.code, 0, y.stdout + y.stderr);
    const ylock = await readFile(path.join(ydir, 'yarn.lock'), 'utf8');
    assert.match(ylock, /up-lib@npm:\^1\.0\.0"?:\n  version: 1\.1\.0/);
    const req = await sh('node', ['-e', "console.log(require('up-lib/package.json').version)"], { cwd: ydir });
    assert.equal(req.stdout.trim(), '1.1.0');
  });

  test('fresh documents are not asked again; stale ones are revalidated (304) or served stale with a Warning', async () => {
    const before = fake.asked('fake-a').length;
    const first = await get('/fake-a');
    const lmFirst = await get('/fake-lm');
    assert.equal(lmFirst.status, 200, lmFirst.body);
    const again = await get('/fake-a');
    const corgi = await get('/fake-a', { accept: 'application/vnd.npm.install-v1+json' });
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.equal(corgi.status, 200);
    assert.ok(fake.asked('fake-a').length - before <= 1, 'one request while fresh');

    await sleep((MAXAGE + 1.5) * 1000);
    const revalidated = await get('/fake-a');
    assert.equal(revalidated.status, 200);
    const last = fake.asked('fake-a').at(-1);
    assert.ok(last.headers['if-none-match'], 'asked with If-None-Match');
    assert.equal(revalidated.body, first.body);
    assert.equal(revalidated.headers.etag, first.headers.etag, 'a 304 keeps the ETag clients have');
    assert.equal(revalidated.headers.warning, undefined);
    // An uplink that sends Last-Modified and no ETag is asked If-Modified-Since.
    const lmAgain = await get('/fake-lm');
    assert.equal(lmAgain.status, 200);
    const lmDocAsks = fake.asked('fake-lm').filter((r) => !r.url.includes('.tgz'));
    assert.equal(lmDocAsks.length, 2, 'asked once, then revalidated once');
    const modified = JSON.parse(lmFirst.body).time.modified;
    assert.equal(lmDocAsks[1].headers['if-modified-since'], new Date(modified).toUTCString());
    assert.equal(lmDocAsks[1].headers['if-none-match'], undefined);
    assert.equal(lmAgain.body, lmFirst.body, 'the 304 kept the stored document');

    // A new version upstream shows after the next revalidation.
    const m = { name: 'fake-a', version: '1.1.0' };
    fake.add(m, await tarball(stack.dir, m));
    await sleep((MAXAGE + 1.5) * 1000);
    const updated = JSON.parse((await get('/fake-a')).body);
    assert.deepEqual(Object.keys(updated.versions).sort(), ['1.0.0', '1.1.0']);

    // The uplink fails: the stale copy, said to be stale.
    fake.setMode('fail');
    try {
      await sleep((MAXAGE + 1.5) * 1000);
      const stale = await get('/fake-a');
      assert.equal(stale.status, 200);
      assert.equal(stale.headers.warning, '110 - "Response is Stale"');
      assert.deepEqual(Object.keys(JSON.parse(stale.body).versions).sort(), ['1.0.0', '1.1.0']);
      const uncached = await get('/fake-never-seen');
      assert.equal(uncached.status, 502, uncached.body);
      assert.match(uncached.body, /could not be asked/);
    } finally {
      fake.setMode('ok');
    }
    // A failed uplink is left alone for 2 s (then asked again).
    await sleep(2500);
  });

  test('concurrent misses for one name make one upstream request', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => get('/fake-conc')));
    for (const r of results) assert.equal(r.status, 200, r.body);
    assert.equal(fake.asked('fake-conc').filter((r) => r.method === 'GET').length, 1);
  });

  test('tarballs are verified against the document: a mismatch is refused and nothing is kept', async () => {
    const r = await stack.curl('/fake-bad/-/fake-bad-1.0.0.tgz');
    assert.equal(r.status, 502, r.body);
    assert.match(r.body, /integrity/);
    assert.equal(await exists(path.join(stack.dir, 'tarballs/_uplinks/fake-bad')), false);
    assert.equal(await exists(path.join(stack.dir, 'documents/public/fake-bad/-/fake-bad-1.0.0.tgz')), false);
    // A good one is stored once and then sent by nginx from the store.
    const good = await stack.curl('/fake-a/-/fake-a-1.0.0.tgz');
    assert.equal(good.status, 200);
    const n = fake.asked('fake-a-1.0.0.tgz').length;
    const again = await stack.curl('/fake-a/-/fake-a-1.0.0.tgz');
    assert.equal(again.status, 200);
    assert.equal(fake.asked('fake-a-1.0.0.tgz').length, n);
    assert.ok(await exists(path.join(stack.dir, 'documents/public/fake-a/-/fake-a-1.0.0.tgz')));
    // Versions the document does not have make the uplink be asked at most every 30 s.
    const asked = fake.asked('fake-a').length;
    for (let i = 0; i < 3; i++) assert.equal((await stack.curl('/fake-a/-/fake-a-9.9.9.tgz')).status, 404);
    assert.ok(fake.asked('fake-a').length - asked <= 1, 'no uplink request per unknown version');
  });

  test('a tarball cut off halfway is refused and nothing of it kept; the next request fetches it whole', async () => {
    const c = client(stack);
    try {
      fake.cut('fake-cut', true);
      const cutOff = await c.request('GET', '/fake-cut/-/fake-cut-1.0.0.tgz');
      assert.equal(cutOff.status, 502, cutOff.body);
      const kept = await sh('find', [path.join(stack.dir, 'tarballs'), path.join(stack.dir, 'documents/public'),
        '-path', '*fake-cut*', '-type', 'f', '-not', '-name', '*.json.gz', '-not', '-name', '*.corgi.gz']);
      assert.equal(kept.stdout.trim(), '', 'no part of the tarball in the store or in public/');
      fake.cut('fake-cut', false);
      await sleep(2500);  // a failed uplink is left alone for 2 s
      const whole = await c.request('GET', '/fake-cut/-/fake-cut-1.0.0.tgz');
      assert.equal(whole.status, 200, whole.body);
      const doc = JSON.parse((await get('/fake-cut')).body);
      assert.equal(integrity(whole.raw), doc.versions['1.0.0'].dist.integrity);
    } finally {
      c.close();
    }
  });

  test('client age gates see upstream times: npm --min-release-age, pnpm minimumReleaseAge, yarn npmMinimalAgeGate', async () => {
    // fake-aged 1.0.0 is ten days old, 1.1.0 a few seconds: a five-day gate picks 1.0.0.
    const dir = await project('aged-npm', { 'fake-aged': '^1.0.0' });
    const n = await stack.npm(['install', '--min-release-age=5', '--cache', path.join(dir, 'cache')], { cwd: dir });
    assert.equal(n.code, 0, n.stderr);
    const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/fake-aged'].version, '1.0.0');
    const ungated = await project('aged-npm-ungated', { 'fake-aged': '^1.0.0' });
    assert.equal((await stack.npm(['install', '--cache', path.join(ungated, 'cache')], { cwd: ungated })).code, 0);
    assert.equal(JSON.parse(await readFile(path.join(ungated, 'package-lock.json'), 'utf8'))
      .packages['node_modules/fake-aged'].version, '1.1.0', 'without a gate: the newest');

    const pdir = await project('aged-pnpm', { 'fake-aged': '^1.0.0' });
    await writeFile(path.join(pdir, '.npmrc'), `registry=${stack.url}/\ncafile=${stack.ca}\n`);
    await writeFile(path.join(pdir, 'pnpm-workspace.yaml'), `minimumReleaseAge: ${5 * 1440}\n`);
    const p = await sh('node', [pnpmBin, 'install', '--reporter=append-only', `--store-dir=${path.join(pdir, 'store')}`],
      { cwd: pdir, env: { ...process.env, HOME: pdir, npm_config_update_notifier: 'false' } });
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(await readFile(path.join(pdir, 'pnpm-lock.yaml'), 'utf8'), /fake-aged@1\.0\.0/);
    assert.doesNotMatch(await readFile(path.join(pdir, 'pnpm-lock.yaml'), 'utf8'), /fake-aged@1\.1\.0/);

    const ydir = await project('aged-yarn', {});
    await writeFile(path.join(ydir, 'yarn.lock'), '');
    await writeFile(path.join(ydir, '.yarnrc.yml'), [
      `npmRegistryServer: "${stack.url}"`, `httpsCaFilePath: "${stack.ca}"`, `npmMinimalAgeGate: ${5 * 1440}`,
      'nodeLinker: node-modules', 'enableGlobalCache: false', 'enableTelemetry: false',
      `cacheFolder: "${path.join(ydir, '.yarn-cache')}"`,
    ].join('\n') + '\n');
    const y = await sh('node', [yarnBin, 'add', 'fake-aged@^1.0.0'], { cwd: ydir,
      env: { ...process.env, HOME: ydir, YARN_ENABLE_TELEMETRY: '0', COREPACK_ENABLE_STRICT: '0' } });
    assert.equal(y.code, 0, y.stdout + y.stderr);
    assert.match(await readFile(path.join(ydir, 'yarn.lock'), 'utf8'), /fake-aged@npm:\^1\.0\.0"?:\n  version: 1\.0\.0/);
  });

  test('attestations of proxied versions resolve through depot', async () => {
    const doc = JSON.parse((await get('/fake-att')).body);
    const url = doc.versions['1.0.0'].dist.attestations.url;
    assert.equal(url, `${stack.url}/-/npm/v1/attestations/fake-att@1.0.0`);
    const r = await stack.curl(url.slice(stack.url.length));
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).attestations[0].predicateType, 'https://slsa.dev/provenance/v1');
    const again = await stack.curl(url.slice(stack.url.length));
    assert.equal(again.body, r.body);
    assert.equal(fake.asked('attestations/fake-att').length, 1, 'cached: asked once');
    assert.equal((await stack.curl('/-/npm/v1/attestations/fake-a@1.0.0')).status, 404);
  });

  test('no confusion: a local name is served from depot alone; a first publish of an upstream name is refused', async () => {
    const pub = async (manifest) => stack.npm(['publish'], { cwd: await makePackage(stack.dir, manifest), home: alice.home });
    let r = await pub({ name: 'shadow-lib', version: '1.0.0' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.asked('shadow-lib').length, 1, 'the first publish asked the uplink once');
    r = await pub({ name: 'shadow-lib', version: '1.0.1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fake.asked('shadow-lib').length, 1, 'a later publish asks no one');
    r = await stack.npm(['unpublish', 'shadow-lib@1.0.1', '--force'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const m = { name: 'shadow-lib', version: '9.9.9' };
    fake.add(m, await tarball(stack.dir, m));
    const doc = JSON.parse((await get('/shadow-lib')).body);
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
    const dir = await project('shadow-app', { 'shadow-lib': '*' });
    r = await stack.npm(['install', '--cache', path.join(dir, 'cache')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lock = JSON.parse(await readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/shadow-lib'].version, '1.0.0');

    r = await pub({ name: 'fake-taken', version: '1.0.0' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exists on the uplink fake/);
    // Every way a package is made checks: the web's project creation too.
    const web = await stack.curl('/fake-taken', { method: 'POST', headers: { ...alice.auth,
      'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, data: 'create' });
    assert.equal(web.status, 409, web.body);
    assert.match(web.body, /exists on the uplink fake/);
    assert.equal((await get('/fake-taken')).status, 200, 'still the uplink\'s');
    // Names under none are published without asking anyone.
    r = await pub({ name: 'internal-tool', version: '1.0.0' });
    assert.equal(r.code, 0, r.stderr);
  });

  test('no leaks: none rules, local and restricted names and writes never reach an uplink; audit sends only proxied names', async () => {
    const pub = async (manifest, args = []) => stack.npm(['publish', ...args], { cwd: await makePackage(stack.dir, manifest), home: alice.home });
    assert.equal((await pub({ name: 'local-lib', version: '1.0.0', description: 'local library' })).code, 0);
    assert.equal((await pub({ name: '@corp/secret', version: '1.0.0' })).code, 0);  // restricted
    // A restricted package under a proxied rule: its first publish asks the
    // uplink whether the name is taken (point 5), and then nothing ever again.
    assert.equal((await pub({ name: '@acme/hidden', version: '1.0.0' })).code, 0);
    assert.equal(fake.asked('@acme/hidden').length, 1);
    // A local name unpublished whole stays depot's: never fetched from upstream.
    assert.equal((await pub({ name: 'fake-gone-local', version: '1.0.0' })).code, 0);
    const gone = await stack.npm(['unpublish', 'fake-gone-local', '--force'], { home: alice.home });
    assert.equal(gone.code, 0, gone.stderr);
    const askedAtPublish = fake.asked('fake-gone-local').length;
    const mark = fake.requests.length;
    assert.equal((await get('/@private%2fthing')).status, 404);
    assert.equal((await get('/internal-missing')).status, 404);
    assert.equal((await get('/@corp%2fsecret')).status, 404, 'restricted: 404 to strangers');
    assert.equal((await get('/@corp%2fother')).status, 404, 'a private scope under none');
    assert.equal((await get('/local-lib')).status, 200);
    assert.equal((await stack.curl('/local-lib/-/local-lib-9.0.0.tgz')).status, 404);
    assert.equal((await get('/@acme%2fhidden')).status, 404, 'restricted under a proxied rule: 404 to strangers');
    assert.equal((await get('/@acme%2fhidden', alice.auth)).status, 200);
    assert.equal((await stack.curl('/@acme/hidden/-/hidden-1.0.0.tgz')).status, 404);
    assert.equal((await pub({ name: '@acme/hidden', version: '1.0.1' })).code, 0);
    const goneDoc = await get('/fake-gone-local');
    assert.equal(goneDoc.status, 404, goneDoc.body);
    assert.equal((await stack.curl('/fake-gone-local/-/fake-gone-local-1.0.0.tgz')).status, 404);
    assert.equal(fake.asked('fake-gone-local').length, askedAtPublish, 'an unpublished local name is not asked for');
    // What npm asks while writing never leaves depot, whatever the name.
    for (const command of ['publish', 'stage', 'unpublish', 'deprecate', 'dist-tag', 'owner', 'access']) {
      const r = await get(`/fake-never-${command}`, { 'npm-command': command });
      assert.equal(r.status, 404, `npm ${command} asks depot alone`);
    }
    assert.equal((await get('/fake-never-write?write=true')).status, 404, '?write=true asks depot alone');
    const tags = await stack.npm(['dist-tag', 'ls', 'fake-unknown-tags'], { home: alice.home });
    assert.notEqual(tags.code, 0);
    // The real npm commands, on names that exist nowhere but match the proxied rule.
    const writes = [
      ['unpublish', 'fake-unknown-unpublish@1.0.0', '--force'],
      ['deprecate', 'fake-unknown-deprecate@1.0.0', 'old'],
      ['owner', 'ls', 'fake-unknown-owner'],
      ['owner', 'add', 'alice', 'fake-unknown-owneradd'],
      ['access', 'set', 'status=private', 'fake-unknown-access'],
      ['dist-tag', 'add', 'fake-unknown-distadd@1.0.0', 'beta'],
    ];
    for (const args of writes) {
      const r = await stack.npm(args, { home: alice.home });
      assert.notEqual(r.code, 0, `npm ${args.join(' ')} found nothing: ${r.stdout}`);
    }

    // npm audit of a project with local, restricted, none and proxied names.
    const dir = await project('audit-app', {});
    await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({
      name: 'audit-app', version: '1.0.0', lockfileVersion: 3, requires: true,
      packages: {
        '': { name: 'audit-app', version: '1.0.0', dependencies: { 'fake-a': '1.0.0', 'local-lib': '1.0.0', '@corp/secret': '1.0.0', 'internal-tool': '1.0.0' } },
        'node_modules/fake-a': { version: '1.0.0' },
        'node_modules/local-lib': { version: '1.0.0' },
        'node_modules/@corp/secret': { version: '1.0.0' },
        'node_modules/internal-tool': { version: '1.0.0' },
      },
    }));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'audit-app', version: '1.0.0',
      dependencies: { 'fake-a': '1.0.0', 'local-lib': '1.0.0', '@corp/secret': '1.0.0', 'internal-tool': '1.0.0' } }));
    const advise = await ctl('advisory', 'add', 'local-lib', '<2.0.0', 'moderate', 'local-lib leaks');
    assert.equal(advise.code, 0, advise.stderr);
    const audit = await stack.npm(['audit', '--json'], { cwd: dir, home: alice.home });
    const report = JSON.parse(audit.stdout);
    assert.ok(report.vulnerabilities['fake-a'], `the uplink's advisory is merged: ${audit.stdout}`);
    assert.equal(report.vulnerabilities['fake-a'].severity, 'high');
    assert.equal(report.vulnerabilities['local-lib']?.severity, 'moderate', 'depot\'s own advisory, in the same answer');
    assert.deepEqual(Object.keys(report.vulnerabilities).sort(), ['fake-a', 'local-lib']);
    const sent = fake.requests.slice(mark).filter((r) => r.url.includes('advisories'));
    assert.equal(sent.length, 1);
    assert.deepEqual(Object.keys(JSON.parse(sent[0].body)), ['fake-a']);

    const since = fake.requests.slice(mark).map((r) => `${r.method} ${r.url} ${r.body}`).join('\n');
    for (const secret of ['private', 'internal', 'local-lib', 'corp', 'acme', 'hidden', 'fake-never', 'fake-unknown', 'fake-gone-local'])
      assert.ok(!since.includes(secret), `${secret} never reached the uplink:\n${since}`);
    const everything = fake.requests.map((r) => `${r.method} ${r.url} ${r.body}`).join('\n');
    for (const secret of ['private', 'internal-', 'corp'])
      assert.ok(!everything.includes(secret), `${secret} never reached the uplink`);
  });

  test('search: local results first, then the search uplink\'s, without duplicates', async () => {
    const r = await get('/-/v1/search?text=library&size=20');
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body);
    assert.ok(body.time, 'top-level time');
    const names = body.objects.map((o) => o.package.name);
    assert.equal(names[0], 'local-lib');
    assert.ok(names.includes('up-lib'), names.join());
    assert.equal(names.filter((n) => n === 'local-lib').length, 1, 'the upstream impostor is dropped');
    assert.equal(body.objects[0].package.description, 'local library');
    const npm = await stack.npm(['search', 'library', '--json']);
    assert.equal(npm.code, 0, npm.stderr);
    assert.ok(JSON.parse(npm.stdout).some((o) => o.name === 'up-lib'));
  });

  test('ops: depotctl cache ls, refresh and purge; a change feed of its own; metrics', async () => {
    let r = await ctl('cache', 'ls');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^fake-a\s+fake\s+ok\s+2 /m);
    assert.match(r.stdout, /^up-lib\s+up\s+ok/m);
    r = await ctl('cache', 'ls', 'up-*');
    assert.match(r.stdout, /^up-lib\s+up\s+ok\s+2 /m);
    assert.match(r.stdout, /^up-app\s+up\s+ok/m);
    assert.doesNotMatch(r.stdout, /fake-a|@up\/util/);
    r = await ctl('cache', 'refresh', 'up-lib');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /up-lib: ok, 2 versions/);
    // refresh asks at once, fresh or not: a new upstream version shows with no wait.
    const m = { name: 'fake-a', version: '1.2.0' };
    fake.add(m, await tarball(stack.dir, m));
    const asks = fake.asked('fake-a').length;
    r = await ctl('cache', 'refresh', 'fake-a');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fake-a: ok, 3 versions/);
    assert.equal(fake.asked('fake-a').length, asks + 1);
    assert.ok(JSON.parse((await get('/fake-a')).body).versions['1.2.0'], 'served from the refreshed copy');
    assert.equal(fake.asked('fake-a').length, asks + 1, 'which is fresh');

    // purge --older-than DAYS goes by when a document was fetched.
    await stack.sql("UPDATE upstream_docs SET fetched_at = NOW() - INTERVAL 3 DAY WHERE name = 'fake-att'");
    r = await ctl('cache', 'purge', '--older-than', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /purged 1 documents/);
    const listed = (await ctl('cache', 'ls')).stdout;
    assert.doesNotMatch(listed, /^fake-att /m);
    assert.match(listed, /^fake-a /m);
    assert.equal((await ctl('cache', 'purge', '--older-than', 'x')).code, 2);

    const stored = await sh('find', [path.join(stack.dir, 'tarballs/_uplinks/fake-a'), '-name', 'fake-a-1.0.0.tgz']);
    assert.match(stored.stdout, /_uplinks\/fake-a\/fake\/[0-9a-f]{16}\/fake-a-1\.0\.0\.tgz/);
    r = await ctl('cache', 'purge', 'fake-a');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await exists(path.join(stack.dir, 'tarballs/_uplinks/fake-a')), false, 'its tarballs went');
    assert.equal(await exists(path.join(stack.dir, 'documents/public/fake-a/-')), false);
    assert.doesNotMatch((await ctl('cache', 'ls')).stdout, /^fake-a /m);
    assert.equal((await get('/fake-a')).status, 200, 'fetched again on the next read');

    const local = JSON.parse((await get('/-/changes?limit=1000')).body).results;
    assert.ok(local.every((c) => !c.kind.startsWith('uplink')), 'local feed: local changes only');
    assert.ok(local.some((c) => c.name === 'local-lib'));
    assert.equal((await get('/-/changes?origin=uplink')).status, 401, 'the proxied feed needs a login');
    const proxied = JSON.parse((await get('/-/changes?origin=uplink&limit=1000', alice.auth)).body).results;
    assert.ok(proxied.some((c) => c.name === 'fake-a' && c.kind === 'uplink-fetch'));
    assert.ok(proxied.some((c) => c.name === 'fake-a' && c.kind === 'uplink-purge'));
    assert.ok(proxied.every((c) => c.kind.startsWith('uplink')));

    const metrics = (await stack.curl('/-/metrics')).body;
    for (const m of ['hits', 'misses', 'revalidations', 'errors', 'stale']) {
      const n = Number(metrics.match(new RegExp(`^depot_uplink_${m}_total (\\d+)`, 'm'))?.[1]);
      assert.ok(n > 0, `depot_uplink_${m}_total counted: ${n}`);
    }
  });

  test('a changed proxy rule takes effect at reload: what the old rule cached is no longer served', async () => {
    assert.equal((await stack.curl('/fake-a/-/fake-a-1.0.0.tgz')).status, 200);
    assert.ok(await exists(path.join(stack.dir, 'documents/public/fake-a/-/fake-a-1.0.0.tgz')));
    const conf = await readFile(stack.config, 'utf8');
    await writeFile(stack.config, conf.replace(/^proxy = /m, 'proxy = fake-a:none '));
    const r = await stack.ctl('fcgi-reload');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    let status = 0;
    for (let i = 0; i < 50 && status !== 404; i++) {
      await sleep(200);
      status = (await stack.curl('/fake-a/-/fake-a-1.0.0.tgz')).status;
    }
    assert.equal(status, 404, 'nginx no longer sends the tarball');
    assert.equal((await get('/fake-a')).status, 404);
    assert.doesNotMatch((await ctl('cache', 'ls')).stdout, /^fake-a /m);
  });

  test('uplink_NAME_token goes to that uplink as a Bearer token, and nothing of the client\'s goes with it', async () => {
    assert.ok(fake.requests.length > 20);
    for (const r of fake.requests) {
      assert.equal(r.headers.authorization, 'Bearer fake-uplink-secret', `${r.method} ${r.url}`);
      assert.equal(r.headers.cookie, undefined);
      assert.equal(r.headers['npm-command'], undefined);
      assert.equal(r.headers['npm-session'], undefined);
    }
    // A client's own token is not sent on, the uplink's is.
    const before = fake.requests.length;
    assert.equal((await get('/fake-token-check', alice.auth)).status, 404);
    const sent = fake.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].headers.authorization, 'Bearer fake-uplink-secret');
  });

  test('upstream down: what is cached keeps installing; the uncached fails fast; a stall is cut at the timeout', async () => {
    const dir = await project('down-app', { 'up-app': '^1.0.0' });
    let r = await stack.npm(['install', '--cache', path.join(dir, 'cache1')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    await up.ctl('down');
    await sleep((MAXAGE + 1.5) * 1000);
    await rm(path.join(dir, 'node_modules'), { recursive: true });
    await rm(path.join(dir, 'package-lock.json'));
    r = await stack.npm(['install', '--cache', path.join(dir, 'cache2')], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const stale = await get('/up-app');
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.warning, '110 - "Response is Stale"');
    let t = Date.now();
    assert.equal((await get('/up-never-published')).status, 502);
    assert.ok(Date.now() - t < 6000, `uncached answered in ${Date.now() - t} ms`);

    fake.setMode('stall');
    try {
      // A slow uplink: a cached name is answered stale at the timeout (2 s), not later.
      t = Date.now();
      const slow = await get('/fake-lm');
      assert.equal(slow.status, 200, slow.body);
      assert.equal(slow.headers.warning, '110 - "Response is Stale"');
      assert.ok(Date.now() - t < 5000, `stale answer after ${Date.now() - t} ms`);
      t = Date.now();
      const stalled = await get('/fake-stalled-name');
      assert.equal(stalled.status, 502, stalled.body);
      assert.ok(Date.now() - t < 8000, `a stalled uplink is cut at its timeout: ${Date.now() - t} ms`);
    } finally {
      fake.setMode('ok');
    }
    // No half-fetched tarball anywhere in the store.
    const tmp = await sh('find', [path.join(stack.dir, 'tarballs'), '-path', '*/.tmp/*', '-type', 'f']);
    assert.equal(tmp.stdout.trim(), '');
  });
});
