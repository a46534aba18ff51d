// Staged publishing with the real npm CLI (issue 12, point 5): CI stages a
// version with a granular token and no code; it holds its number and is not
// installable; an owner lists, views, downloads, then approves it with a
// one-time password (published at approval time) or rejects it; a package
// can require staging for token publishes.

import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage } from '../lib/packages.mjs';
import { binDir, sh, Stack } from '../lib/stack.mjs';
import { totp } from '../lib/totp.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('staged publishing, as npm stage does it', () => {
  let stack;
  let alice;
  let secret;
  let lastStep = 0;
  const ci = 'ci-home';
  const json = (r) => JSON.parse(r.body);
  const freshCode = async () => {
    for (;;) {
      const now = Math.floor(Date.now() / 30000);
      const step = Math.max(lastStep + 1, now);
      if (step <= now + 1) { lastStep = step; return totp(secret, step); }
      await sleep(500);
    }
  };
  const stage = async (version) => {
    const r = await stack.npm(['stage', 'publish'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version }), home: ci });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.match(/staged with id ([0-9a-f-]{36})/)[1];
  };

  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version: '1.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    // 2FA for logins only: approving still needs a code.
    const post = (body) => stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' }, data: JSON.stringify(body) });
    secret = new URL(json(await post({ tfa: { password: 'alice-password-1', mode: 'auth-only' } })).tfa).searchParams.get('secret');
    assert.equal((await post({ tfa: [await freshCode()] })).status, 200);
    // A new credential of a 2FA account (either mode) takes a code.
    const token = json(await stack.curl('/-/npm/v1/tokens', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json', 'npm-otp': await freshCode() },
      data: JSON.stringify({ password: 'alice-password-1', name: 'ci', packages: ['staged-pkg'], packages_and_scopes_permission: 'read-write' }) })).token;
    await mkdir(path.join(stack.dir, ci), { recursive: true });
    await writeFile(path.join(stack.dir, ci, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${token}\n`);
  });
  after(async () => { await stack?.stop(); });

  test('a staged version holds its number but is not published', async () => {
    const id = await stage('1.1.0');
    const doc = json(await stack.curl('/staged-pkg'));
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
    assert.equal((await stack.curl('/staged-pkg/-/staged-pkg-1.1.0.tgz')).status, 404);
    const dir = path.join(stack.dir, 'app');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'staged-pkg': '1.1.0' } }));
    const install = await stack.npm(['install', '--cache', path.join(dir, 'cache')], { cwd: dir });
    assert.notEqual(install.code, 0);
    assert.match(install.stderr, /ETARGET|No matching version/);
    // Its number is taken: a plain publish of it is a conflict.
    const again = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version: '1.1.0' }), home: alice.home });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /409|is staged/);

    const list = await stack.npm(['stage', 'list', '--json'], { home: alice.home });
    assert.equal(list.code, 0, list.stderr);
    const items = JSON.parse(list.stdout);
    assert.equal(items.length, 1);
    assert.equal(items[0].id, id);
    assert.equal(items[0].packageName, 'staged-pkg');
    assert.equal(items[0].version, '1.1.0');
    assert.equal(items[0].tag, 'latest');
    assert.equal(items[0].actorType, 'granular token');
    const view = await stack.npm(['stage', 'view', id, '--json'], { home: alice.home });
    assert.equal(JSON.parse(view.stdout).version, '1.1.0');
    const dl = await stack.npm(['stage', 'download', id], { cwd: dir, home: alice.home });
    assert.equal(dl.code, 0, dl.stderr);
    assert.ok((await readdir(dir)).includes(`staged-pkg-1.1.0-${id}.tgz`));
    // Strangers see nothing of it.
    const bob = await account(stack, 'bob');
    assert.equal((await stack.curl(`/-/stage/${id}`, { headers: bob.auth })).status, 404);
    assert.deepEqual(json(await stack.curl('/-/stage', { headers: bob.auth })).items, []);
  });

  test('approving needs a one-time password; the version goes live at approval', async () => {
    const [item] = json(await stack.curl('/-/stage', { headers: alice.auth })).items;
    const no = await stack.npm(['stage', 'approve', item.id], { home: alice.home });
    assert.notEqual(no.code, 0);
    assert.match(no.stderr, /EOTP|one-time password/);
    const before = Date.now();
    const ok = await stack.npm(['stage', 'approve', item.id, '--otp', await freshCode()], { home: alice.home });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved and published/);
    const doc = json(await stack.curl('/staged-pkg', { headers: { accept: 'application/json' } }));
    assert.deepEqual(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0']);
    assert.equal(doc['dist-tags'].latest, '1.1.0');
    assert.ok(Date.parse(doc.time['1.1.0']) >= before - 1000, 'time is the approval time');
    assert.equal((await stack.curl('/staged-pkg/-/staged-pkg-1.1.0.tgz')).status, 200);
    // Signed as every version is, by a key the registry lists.
    const [sig] = doc.versions['1.1.0'].dist.signatures ?? [];
    assert.ok(sig, 'dist.signatures on the approved version');
    const key = json(await stack.curl('/-/npm/v1/keys')).keys.find((k) => k.keyid === sig.keyid);
    assert.ok(key, sig.keyid);
    const pub = createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' });
    assert.ok(verify('sha256', Buffer.from(`staged-pkg@1.1.0:${doc.versions['1.1.0'].dist.integrity}`), pub,
      Buffer.from(sig.sig, 'base64')), 'the signature verifies');
    const changes = json(await stack.curl('/-/changes?limit=1000')).results;
    assert.ok(changes.some((c) => c.name === 'staged-pkg' && c.kind === 'publish' && c.detail?.version === '1.1.0'));
    assert.deepEqual(json(await stack.curl('/-/stage', { headers: alice.auth })).items, []);
  });

  test('rejecting deletes the upload; an account without 2FA cannot approve', async () => {
    const id = await stage('1.2.0');
    const bare = await account(stack, 'carol');
    assert.equal((await stack.curl(`/-/stage/${id}/approve`, { method: 'POST', headers: bare.auth })).status, 404, 'not an owner');
    const ok = await stack.npm(['stage', 'reject', id, '--otp', await freshCode()], { home: alice.home });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await stack.curl(`/-/stage/${id}`, { headers: alice.auth })).status, 404);
    const kept = await access(path.join(stack.dir, 'tarballs/_staged', `${id}.json`)).then(() => true, () => false);
    assert.equal(kept, false, 'the upload is gone');
    const doc = json(await stack.curl('/staged-pkg'));
    assert.equal(doc.versions['1.2.0'], undefined);

    // An owner without 2FA: staging works, approving does not.
    const own = await stack.npm(['owner', 'add', 'carol', 'staged-pkg'], { home: alice.home });
    assert.equal(own.code, 0, own.stderr);
    const id2 = await stage('1.2.1');
    const refused = await stack.curl(`/-/stage/${id2}/approve`, { method: 'POST', headers: bare.auth });
    assert.equal(refused.status, 403);
    assert.match(json(refused).error, /two-factor/);
  });

  test('a package can require staging for token publishes', async () => {
    const r = await sh(path.join(binDir, 'depotctl'), ['--config', stack.config, 'package', 'require-staging', 'staged-pkg']);
    assert.equal(r.code, 0, r.stderr);
    const vis = json(await stack.curl('/-/package/staged-pkg/visibility', { headers: alice.auth }));
    assert.equal(vis.require_staging, true);
    const pub = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version: '1.3.0' }), home: ci });
    assert.notEqual(pub.code, 0);
    assert.match(pub.stderr, /only as staged versions/);
    await stage('1.3.0');
    // An owner's own login is no CI token: it publishes straight.
    const own = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version: '1.3.1' }), home: alice.home });
    assert.equal(own.code, 0, own.stderr);
    // Owners read the rule on the package page (npm access get status prints only public/private).
    const page = async () => (await stack.curl('/staged-pkg', { headers: { accept: 'text/html', cookie: `depot_token=${alice.token}` } })).body;
    assert.match(await page(), /id="publish-policy">[^<]*tokens may only stage versions/);
    // --off: token publishes go live at once again.
    const off = await sh(path.join(binDir, 'depotctl'), ['--config', stack.config, 'package', 'require-staging', 'staged-pkg', '--off']);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(json(await stack.curl('/-/package/staged-pkg/visibility', { headers: alice.auth })).require_staging, false);
    assert.doesNotMatch(await page(), /tokens may only stage/);
    const direct = await stack.npm(['publish', '--tag', 'ci'], { cwd: await makePackage(stack.dir, { name: 'staged-pkg', version: '1.3.2' }), home: ci });
    assert.equal(direct.code, 0, direct.stderr);
    assert.ok(json(await stack.curl('/staged-pkg')).versions['1.3.2']);
  });

  test('owners see staged versions on the package page and approve there with a code', async () => {
    const id = await stage('1.4.0');
    const owner = await stack.curl('/staged-pkg', { headers: { accept: 'text/html', cookie: `depot_token=${alice.token}` } });
    assert.equal(owner.status, 200);
    assert.match(owner.body, new RegExp(`name="id" value="${id}"`));
    assert.match(owner.body, /name="otp"/);
    const anonymous = await stack.curl('/staged-pkg', { headers: { accept: 'text/html' } });
    assert.doesNotMatch(anonymous.body, new RegExp(id), 'only owners see what waits');
    const form = (extra) => stack.curl('/staged-pkg/-/stage', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      data: `ut=${alice.token}&id=${id}&action=approve${extra}` });
    const noCode = await form('');
    assert.equal(noCode.status, 401, noCode.body);
    const code = await freshCode();
    const ok = await form(`&otp=${code}`);
    assert.equal(ok.status, 200, ok.body);
    assert.ok(json(await stack.curl('/staged-pkg')).versions['1.4.0']);
    // The reject form: without the code nothing changes; with it the upload goes.
    const id2 = await stage('1.5.0');
    const reject = (extra) => stack.curl('/staged-pkg/-/stage', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      data: `ut=${alice.token}&id=${id2}&action=reject${extra}` });
    assert.equal((await reject('')).status, 401);
    assert.equal((await stack.curl(`/-/stage/${id2}`, { headers: alice.auth })).status, 200, 'still waiting');
    const rejected = await reject(`&otp=${code}`);
    assert.equal(rejected.status, 200, rejected.body);
    assert.equal((await stack.curl(`/-/stage/${id2}`, { headers: alice.auth })).status, 404);
    assert.equal(json(await stack.curl('/staged-pkg')).versions['1.5.0'], undefined);
  });

  test('a first version can be staged: the name is taken, with no version, until approved', async () => {
    const dir = await makePackage(stack.dir, { name: 'fresh-staged', version: '0.1.0' });
    const r = await stack.npm(['stage', 'publish'], { cwd: dir, home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.match(/staged with id ([0-9a-f-]{36})/)[1];
    const doc = json(await stack.curl('/fresh-staged'));
    assert.deepEqual(doc.versions, {}, 'taken, nothing installable');
    const bob = await account(stack, 'bob2');
    const steal = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'fresh-staged', version: '9.0.0' }), home: bob.home });
    assert.notEqual(steal.code, 0, 'the name is the stager\'s');
    const ok = await stack.npm(['stage', 'approve', id, '--otp', await freshCode()], { home: alice.home });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(Object.keys(json(await stack.curl('/fresh-staged')).versions), ['0.1.0']);
  });
});
