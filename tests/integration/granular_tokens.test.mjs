// Granular tokens with the real npm CLI (issue 12, point 4): npm token create
// with packages, scopes, a permission, an expiry and addresses; what such a
// token may and may not do; npm token list; the 2FA bypass; and classic
// tokens retired by ops (depotctl tokens expire --classic).

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, createProject, makePackage, webAccount } from '../lib/packages.mjs';
import { binDir, sh, Stack } from '../lib/stack.mjs';
import { totp } from '../lib/totp.mjs';

describe('granular tokens, as npm token create makes them', () => {
  let stack;
  let alice;
  const json = (r) => JSON.parse(r.body);
  const bearer = (t) => ({ authorization: `Bearer ${t}` });
  const create = async (args, home = alice.home) => {
    const r = await stack.npm(['token', 'create', '--json', '--password', `${home}-password-1`, ...args], { home });
    return r.code === 0 ? { ...r, token: JSON.parse(r.stdout) } : r;
  };
  let homes = 0;
  const publishWith = async (token, manifest) => {
    const dir = await makePackage(stack.dir, manifest);
    const home = `token-home-${homes += 1}`;
    await mkdir(path.join(stack.dir, home), { recursive: true });
    await writeFile(path.join(stack.dir, home, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${token}\n`);
    return stack.npm(['publish'], { cwd: dir, home });
  };

  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    for (const m of [{ name: 'alpha', version: '1.0.0' }, { name: 'beta', version: '1.0.0' }, { name: '@team/gamma', version: '1.0.0' }]) {
      const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, m), home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => { await stack?.stop(); });

  test('a read-write token for one package and one scope does just that', async () => {
    const r = await create(['--name', 'ci', '--token-description', 'CI publish', '--packages', 'alpha',
      '--scopes', '@team', '--packages-and-scopes-permission', 'read-write', '--expires', '30', '--cidr', '127.0.0.0/8']);
    assert.equal(r.code, 0, r.stderr);
    const t = r.token;
    assert.match(t.token, /^depot_/);
    assert.deepEqual(t.cidr_whitelist, ['127.0.0.0/8']);
    const days = (Date.parse(t.expires) - Date.now()) / 86400000;
    assert.ok(days > 29.9 && days <= 30, `expires in 30 days: ${t.expires}`);
    assert.equal(t.packages_and_scopes_permission, 'read-write');

    assert.equal((await publishWith(t.token, { name: 'alpha', version: '1.0.1' })).code, 0, 'its package');
    const other = await publishWith(t.token, { name: 'beta', version: '1.0.1' });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /403|not for "beta"/);
    const tag = await stack.curl('/-/package/@team%2fgamma/dist-tags/next', { method: 'PUT',
      headers: { ...bearer(t.token), 'content-type': 'application/json' }, data: '"1.0.0"' });
    assert.equal(tag.status, 201, `its scope: ${tag.body}`);
    assert.equal((await stack.curl('/@team%2fgamma', { headers: bearer(t.token) })).status, 200, 'reads its restricted scope');
    const mint = await stack.curl('/-/npm/v1/tokens', { method: 'POST',
      headers: { ...bearer(t.token), 'content-type': 'application/json' }, data: JSON.stringify({ password: 'alice-password-1' }) });
    assert.equal(mint.status, 403, 'a granular token mints nothing');
    assert.equal((await stack.curl('/-/npm/v1/user', { headers: bearer(t.token) })).status, 403);

    const list = await stack.npm(['token', 'list', '--json'], { home: alice.home });
    const listed = JSON.parse(list.stdout).find((x) => x.name === 'ci');
    assert.deepEqual(listed.packages, ['alpha']);
    assert.deepEqual(listed.scopes, ['@team']);
    assert.equal(listed.description, 'CI publish');
    assert.equal(listed.packages_and_scopes_permission, 'read-write');
    assert.equal(listed.expires, t.expires);
    assert.deepEqual(listed.cidr_whitelist, ['127.0.0.0/8']);
  });

  test('read-only and no-access tokens; a restricted package outside the token is absent', async () => {
    const ro = (await create(['--name', 'ro', '--packages', 'alpha', '--packages-and-scopes-permission', 'read-only'])).token;
    const w = await publishWith(ro.token, { name: 'alpha', version: '1.0.2' });
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /403|read-only/);
    assert.equal((await stack.curl('/alpha', { headers: bearer(ro.token) })).status, 200);
    assert.equal((await stack.curl('/@team%2fgamma', { headers: bearer(ro.token) })).status, 404, 'not its package: absent');
    const days = (Date.parse(ro.expires) - Date.now()) / 86400000;
    assert.ok(days > 89.9 && days <= 90, 'without --expires: the most allowed');

    const none = (await create(['--name', 'none', '--scopes', '@team', '--packages-and-scopes-permission', 'no-access'])).token;
    assert.equal((await stack.curl('/@team%2fgamma', { headers: bearer(none.token) })).status, 404);

    const long = await create(['--name', 'long', '--packages', 'alpha', '--expires', '91']);
    assert.notEqual(long.code, 0);
    assert.match(long.stderr, /between 1 and 90/);
  });

  test('a 2FA account: granular tokens need a code on writes unless made with --bypass-2fa', async () => {
    const bob = await account(stack, 'bob');
    for (const v of ['1.0.0']) {
      const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'bobs', version: v }), home: bob.home });
      assert.equal(r.code, 0, r.stderr);
    }
    const post = (body, otp) => stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...bob.auth, 'content-type': 'application/json', ...(otp ? { 'npm-otp': otp } : {}) }, data: JSON.stringify(body) });
    const start = json(await post({ tfa: { password: 'bob-password-1', mode: 'auth-and-writes' } }));
    const secret = new URL(start.tfa).searchParams.get('secret');
    const code = (step) => totp(secret, step);
    const now = Math.floor(Date.now() / 30000);
    assert.equal((await post({ tfa: [code(now)] })).status, 200);
    // Creating a token needs a code too; the next step's code is good already.
    const make = async (extra) => {
      const r = await stack.curl('/-/npm/v1/tokens', { method: 'POST',
        headers: { ...bob.auth, 'content-type': 'application/json', 'npm-otp': code(now + 1) },
        data: JSON.stringify({ password: 'bob-password-1', name: 'x', packages: ['bobs'], packages_and_scopes_permission: 'read-write', ...extra }) });
      assert.equal(r.status, 201, r.body);
      return json(r).token;
    };
    const plain = await make({});
    const bypass = await make({ bypass_2fa: true });
    const tag = (t) => stack.curl('/-/package/bobs/dist-tags/next', { method: 'PUT',
      headers: { ...bearer(t), 'content-type': 'application/json' }, data: '"1.0.0"' });
    const refused = await tag(plain);
    assert.equal(refused.status, 401);
    assert.match(refused.headers['www-authenticate'], /OTP/);
    assert.equal((await tag(bypass)).status, 201, 'bypass_2fa: CI writes without a code');
    // ...but never lowers the package's own guards.
    const lower = await stack.curl('/-/package/bobs/access', { method: 'POST',
      headers: { ...bearer(bypass), 'content-type': 'application/json' }, data: JSON.stringify({ publish_requires_tfa: false }) });
    assert.equal(lower.status, 401, lower.body);

    // npm access set mfa=publish: even the automation token needs a code to
    // publish; mfa=automation lets it. npm access get status reads the same route.
    const wait = async () => { while (Math.floor(Date.now() / 30000) < now + 1) await new Promise((r) => setTimeout(r, 500)); };
    await wait();  // a fresh step for bob's own token
    const set = await stack.npm(['access', 'set', 'mfa=publish', 'bobs', '--otp', code(now + 2)], { home: bob.home });
    assert.equal(set.code, 0, set.stderr);
    let vis = json(await stack.curl('/-/package/bobs/visibility', { headers: bob.auth }));
    assert.deepEqual(vis, { public: true, mfa: 'publish', publish_requires_tfa: true, automation_token_overrides_tfa: false, require_staging: false });
    const status = await stack.npm(['access', 'get', 'status', 'bobs'], { home: bob.home });
    assert.match(status.stdout, /bobs: public/);
    let pub = await publishWith(bypass, { name: 'bobs', version: '1.0.1' });
    assert.notEqual(pub.code, 0, 'mfa=publish: the automation token alone cannot publish');
    assert.match(pub.stderr, /EOTP|one-time password/);
    const setAuto = await stack.curl('/-/package/bobs/access', { method: 'POST',
      headers: { ...bob.auth, 'content-type': 'application/json', 'npm-otp': code(now + 2) },
      data: JSON.stringify({ publish_requires_tfa: true, automation_token_overrides_tfa: true }) });
    assert.equal(setAuto.status, 200, setAuto.body);
    vis = json(await stack.curl('/-/package/bobs/visibility', { headers: bob.auth }));
    assert.equal(vis.mfa, 'automation');
    pub = await publishWith(bypass, { name: 'bobs', version: '1.0.1' });
    assert.equal(pub.code, 0, pub.stderr);
  });

  test('a package that requires 2FA to publish refuses an account without it', async () => {
    const carol = await account(stack, 'carol');
    let r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'carols', version: '1.0.0' }), home: carol.home });
    assert.equal(r.code, 0, r.stderr);
    r = await stack.npm(['access', 'set', 'mfa=publish', 'carols'], { home: carol.home });
    assert.equal(r.code, 0, r.stderr);
    r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'carols', version: '1.0.1' }), home: carol.home });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /requires two-factor authentication/);
    r = await stack.npm(['access', 'set', 'mfa=none', 'carols'], { home: carol.home });
    assert.equal(r.code, 0, r.stderr);
    r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'carols', version: '1.0.1' }), home: carol.home });
    assert.equal(r.code, 0, r.stderr);
  });

  test('tokens minted on the web expire too: a web account\'s and a project\'s', async () => {
    const web = await webAccount(stack, 'dora@example.com');
    const pt = await createProject(stack, 'dora-proj', web.auth);
    const days = async (secretPrefix) => Number(await stack.sql(
      `SELECT TIMESTAMPDIFF(HOUR, NOW(), expires_at) FROM tokens WHERE token_prefix = '${secretPrefix}'`)) / 24;
    const webDays = await days(web.token.slice(0, 12));
    const projectDays = await days(pt.slice(0, 12));
    assert.ok(webDays > 89 && webDays <= 90, `web token: ${webDays} days`);
    assert.ok(projectDays > 89 && projectDays <= 90, `project token: ${projectDays} days`);
  });

  test('token_max_days caps every expiry: npm token create, and its default', async () => {
    const short = await Stack.start({ extraConf: 'token_max_days = 7' });
    try {
      const carl = await account(short, 'carl');
      const make = (args) => short.npm(['token', 'create', '--json', '--password', 'carl-password-1', '--name', 'x',
        '--packages', 'p', ...args], { home: carl.home });
      const over = await make(['--expires', '8']);
      assert.notEqual(over.code, 0);
      assert.match(over.stderr, /between 1 and 7/);
      const dflt = await make([]);
      assert.equal(dflt.code, 0, dflt.stderr);
      const days = (Date.parse(JSON.parse(dflt.stdout).expires) - Date.now()) / 86400000;
      assert.ok(days > 6.9 && days <= 7, `the default is the cap: ${days}`);
    } finally {
      await short.stop();
    }
  });

  test('ops retire classic tokens; granular ones go on', async () => {
    const classic = alice.token;
    const granular = (await create(['--name', 'stay', '--packages', 'alpha', '--packages-and-scopes-permission', 'read-only'])).token.token;
    const r = await sh(path.join(binDir, 'depotctl'), ['--config', stack.config, 'tokens', 'expire', '--classic']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /classic tokens? expired/);
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(classic) })).status, 401, 'an expired token answers 401');
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(granular) })).status, 200);
  });
});
