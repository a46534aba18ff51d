// Two-factor authentication with the real npm CLI (issue 12, points 1–3):
// npm profile get/set, enable-2fa under a pseudo-terminal (the test reads the
// secret npm prints and computes codes, RFC 6238), writes that need npm-otp,
// a code's reuse by its own credential only, login with a code (legacy and
// web), recovery codes, disable-2fa, and wrong codes rate-limited.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, mailLink, makePackage } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';
import { totp } from '../lib/totp.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('two-factor authentication, as npm does it', () => {
  let stack;
  let alice;
  let secret = '';
  let lastStep = 0;
  let recovery = [];

  // A code no credential used yet: the step after the last one used, once
  // the clock allows it (a code is good one step either side of now).
  const freshCode = async () => {
    for (;;) {
      const now = Math.floor(Date.now() / 30000);
      const step = Math.max(lastStep + 1, now);
      if (step <= now + 1) {
        lastStep = step;
        return totp(secret, step);
      }
      await sleep(500);
    }
  };
  const json = (r) => JSON.parse(r.body);

  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('npm profile get and set', async () => {
    let r = await stack.npm(['profile', 'get', '--json'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.name, 'alice');
    assert.equal(p.email, 'alice@example.com');
    assert.equal(p.tfa, false);
    r = await stack.npm(['profile', 'set', 'fullname', 'Alice Example'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Set fullname to Alice Example/);
    r = await stack.npm(['profile', 'get', 'fullname'], { home: alice.home });
    assert.equal(r.stdout.trim(), 'Alice Example');
    // A new email counts once the link mailed to it is followed (as the CouchDB route does).
    r = await stack.npm(['profile', 'set', 'email', 'alice.new@example.com'], { home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const link = await mailLink(stack, 'alice.new@example.com', 'confirm');
    assert.ok(link.searchParams.get('ct'));
    assert.equal(JSON.parse((await stack.npm(['profile', 'get', '--json'], { home: alice.home })).stdout).email,
      'alice@example.com', 'unchanged until confirmed');
    const followed = await stack.curl('/-confirm', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams(Object.fromEntries(link.searchParams)).toString() });
    assert.equal(followed.status, 200, followed.body);
    assert.equal(JSON.parse((await stack.npm(['profile', 'get', '--json'], { home: alice.home })).stdout).email,
      'alice.new@example.com', 'the address counts once its link is followed');
    r = await stack.npm(['profile', 'set', 'homepage', 'https://x.example'], { home: alice.home });
    assert.notEqual(r.code, 0, 'depot keeps no homepage: said, not pretended');
    assert.equal((await stack.curl('/-/npm/v1/user')).status, 401);
  });

  test('npm profile enable-2fa auth-and-writes: otpauth URL, a code, recovery codes', async () => {
    const r = await stack.npmInteractive(['profile', 'enable-2fa', 'auth-and-writes'], {
      home: alice.home,
      answers: [
        [/npm password:/, 'alice-password-1'],
        [/OTP code from your authenticator/, (out) => {
          secret = out.match(/Or enter code:\s*([A-Z2-7]+)/)[1];
          return totp(secret, Math.floor(Date.now() / 30000));
        }],
      ],
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /2FA successfully enabled/);
    recovery = [...r.output.matchAll(/^\s+([0-9a-f]{8}-[0-9a-f]{8})\s*$/gm)].map((m) => m[1]);
    assert.equal(recovery.length, 10, r.output);
    lastStep = Math.floor(Date.now() / 30000);  // the enrolment used the current step
    const p = json(await stack.curl('/-/npm/v1/user', { headers: alice.auth }));
    assert.deepEqual(p.tfa, { mode: 'auth-and-writes', pending: false });
    // The secret and the recovery codes are stored, never shown again.
    const again = await stack.curl('/-/npm/v1/user', { headers: alice.auth });
    assert.doesNotMatch(again.body, new RegExp(secret));
    const page = await stack.curl('/-/account', { headers: { accept: 'text/html', cookie: `depot_token=${alice.token}` } });
    assert.equal(page.status, 200);
    for (const text of [again.body, page.body]) {
      assert.ok(!recovery.some((c) => text.includes(c)), 'no recovery code shown again');
      assert.ok(!text.includes(secret));
    }
  });

  test('writes need npm-otp; a code serves its own credential again, no other', async () => {
    // Without a code: 401 with WWW-Authenticate: OTP, which npm turns into its prompt.
    const dir = await makePackage(stack.dir, { name: 'tfa-pkg', version: '1.0.0' });
    let r = await stack.npm(['publish'], { cwd: dir, home: alice.home });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /EOTP|one-time password/);
    assert.equal((await stack.curl('/tfa-pkg')).status, 404, 'nothing was published');

    const code = await freshCode();
    r = await stack.npm(['publish', '--otp', code], { cwd: dir, home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const raw = await stack.curl('/-/package/tfa-pkg/dist-tags/beta', { method: 'PUT',
      headers: { ...alice.auth, 'content-type': 'application/json' }, data: '"1.0.0"' });
    assert.equal(raw.status, 401, raw.body);
    assert.match(raw.headers['www-authenticate'], /OTP/);
    assert.match(json(raw).error, /one-time password/);
    // npm publishes every workspace with one --otp: the same token may use it again.
    const dir2 = await makePackage(stack.dir, { name: 'tfa-pkg', version: '1.0.1' });
    r = await stack.npm(['publish', '--otp', code], { cwd: dir2, home: alice.home });
    assert.equal(r.code, 0, r.stderr);

    // Another credential (Basic with the password) may not use it.
    const basic = { authorization: `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}` };
    const other = await stack.curl('/-/package/tfa-pkg/dist-tags/beta', { method: 'PUT',
      headers: { ...basic, 'content-type': 'application/json', 'npm-otp': code }, data: '"1.0.0"' });
    assert.equal(other.status, 401, other.body);
    assert.match(json(other).error, /wrong or was used/);
    // A password alone opens nothing on a 2FA account: Basic and /_session need a code too.
    const basicRead = await stack.curl('/-/whoami', { headers: basic });
    assert.equal(basicRead.status, 401);
    assert.match(basicRead.headers['www-authenticate'], /OTP/);
    const session = await stack.curl('/_session', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'name=alice&password=alice-password-1' });
    assert.equal(session.status, 401);
    // The web's forms take the code in a field.
    const form = (extra) => stack.curl('/tfa-pkg/-/deprecate', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      data: `ut=${alice.token}&version=1.0.0&message=old${extra}` });
    const noField = await form('');
    assert.equal(noField.status, 401, noField.body);
    assert.match(noField.body, /one-time password/);
    const withField = await form(`&otp=${code}`);
    assert.equal(withField.status, 200, withField.body);
    // Every other form of the page and the account: 401 without the field;
    // with it, the code is no longer what decides.
    const forms = [
      ['/tfa-pkg/stable', 'version=1.0.0'],
      ['/tfa-pkg/test', 'version=1.0.1'],
      ['/tfa-pkg/nightly', 'link=http%3A%2F%2F127.0.0.1%3A1%2Fx.tgz'],
      ['/tfa-pkg/-/link', 'version=2.0.0&link=http%3A%2F%2F127.0.0.1%3A1%2Fx.tgz'],
      ['/tfa-pkg/-/owners', 'add=nobody-here'],
      ['/tfa-pkg/-/rotate', ''],
      ['/tfa-new-project', 'create'],
    ];
    // This token's newest code (a newer step serves the credential that used the last one).
    lastStep = Math.max(lastStep, Math.floor(Date.now() / 30000));
    const formCode = totp(secret, lastStep);
    for (const [route, fields] of forms) {
      const send = (extra) => stack.curl(route, { method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        data: `ut=${alice.token}&${fields}${extra}` });
      const without = await send('');
      assert.equal(without.status, 401, `${route} without a code: ${without.body}`);
      assert.match(without.body, /one-time password/, route);
      const withCode = await send(`&otp=${formCode}`);
      assert.notEqual(withCode.status, 401, `${route} with the code: ${withCode.body}`);
    }
    assert.equal((await stack.curl('/tfa-new-project')).status, 200, 'made with the code');
    // Reads need no code.
    assert.equal((await stack.curl('/tfa-pkg', { headers: alice.auth })).status, 200);
    // A token create needs the password and a code.
    const tok = await stack.curl('/-/npm/v1/tokens', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json', 'npm-otp': formCode },
      data: JSON.stringify({ password: 'alice-password-1', name: 'ci' }) });
    assert.equal(tok.status, 201, tok.body);
  });

  test('a recovery code works once, in place of a code', async () => {
    const put = (otp) => stack.curl('/-/package/tfa-pkg/dist-tags/rec', { method: 'PUT',
      headers: { ...alice.auth, 'content-type': 'application/json', 'npm-otp': otp }, data: '"1.0.0"' });
    assert.equal((await put(recovery[0])).status, 201);
    assert.equal((await put(recovery[0])).status, 401, 'used once');
    assert.equal((await put(recovery[1])).status, 201);
  });

  test('login asks for a code: legacy and web', async () => {
    // npm asks for the code at its prompt after the 401 (otplease).
    const loginCode = await freshCode();
    const ok = await stack.npmInteractive(['login', '--auth-type=legacy'], {
      home: 'alice-legacy',
      answers: [
        [/Username:/, 'alice'],
        [/Password:/, 'alice-password-1'],
        [/one-time password/i, loginCode],
      ],
    });
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /one-time password/i, 'npm asked for the code');
    assert.match(ok.output, /Logged in/);
    const who = await stack.npm(['whoami'], { home: 'alice-legacy' });
    assert.equal(who.stdout.trim(), 'alice');

    // The web login page: without the code, refused; with it, approved.
    const start = json(await stack.curl('/-/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, data: '{}' }));
    const loginPath = new URL(start.loginUrl).pathname;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const no = await stack.curl(loginPath, { method: 'POST', headers: form, data: 'name=alice&password=alice-password-1&mine=yes' });
    assert.equal(no.status, 401);
    assert.match(no.body, /two-factor/);
    const webCode = await freshCode();
    const yes = await stack.curl(loginPath, { method: 'POST', headers: form, data: `name=alice&password=alice-password-1&mine=yes&otp=${webCode}` });
    assert.equal(yes.status, 200, yes.body);
    const done = await stack.curl(new URL(start.doneUrl).pathname);
    assert.equal(done.status, 200);
    assert.ok(json(done).token);
  });

  test('npm profile disable-2fa needs the password and a code', async () => {
    const noCode = await stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ tfa: { password: 'alice-password-1', mode: 'disable' } }) });
    assert.equal(noCode.status, 401);
    assert.match(noCode.headers['www-authenticate'], /OTP/);
    const code = await freshCode();
    const r = await stack.npmInteractive(['profile', 'disable-2fa', '--otp', code], {
      home: alice.home, answers: [[/npm password:/, 'alice-password-1']],
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Two factor authentication disabled/);
    const p = json(await stack.curl('/-/npm/v1/user', { headers: alice.auth }));
    assert.equal(p.tfa, false);
    // Writes need no code again.
    const put = await stack.curl('/-/package/tfa-pkg/dist-tags/free', { method: 'PUT',
      headers: { ...alice.auth, 'content-type': 'application/json' }, data: '"1.0.0"' });
    assert.equal(put.status, 201, put.body);
  });

  test('npm profile set password needs the old one and ends every other credential', async () => {
    const bob = await account(stack, 'bob');
    const second = json(await stack.curl('/-/npm/v1/tokens', { method: 'POST',
      headers: { ...bob.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ password: 'bob-password-1', name: 'second' }) })).token;
    const wrong = await stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...bob.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ password: { old: 'not-it', new: 'bob-password-2' } }) });
    assert.equal(wrong.status, 401);
    const r = await stack.npmInteractive(['profile', 'set', 'password'], {
      home: bob.home,
      answers: [[/Current password:/, 'bob-password-1'], [/New password:/, 'bob-password-2'], [/Again:/, 'bob-password-2']],
    });
    assert.equal(r.code, 0, r.output);
    const whoami = (t) => stack.curl('/-/whoami', { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await whoami(bob.token)).status, 200, 'the token that asked goes on');
    assert.equal((await whoami(second)).status, 401, 'every other credential ends');
    const basic = (pw) => stack.curl('/-/whoami', { headers: { authorization: `Basic ${Buffer.from(`bob:${pw}`).toString('base64')}` } });
    assert.equal((await basic('bob-password-1')).status, 401);
    assert.equal((await basic('bob-password-2')).status, 200);
  });

  test('wrong codes are rate-limited per account', async () => {
    // 2FA again (raw, the API npm drives), then a run of wrong codes.
    const start = json(await stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ tfa: { password: 'alice-password-1', mode: 'auth-and-writes' } }) }));
    assert.match(start.tfa, /^otpauth:\/\/totp\/depot:alice\?secret=[A-Z2-7]+&/);
    secret = new URL(start.tfa).searchParams.get('secret');
    lastStep = 0;
    const confirm = await stack.curl('/-/npm/v1/user', { method: 'POST',
      headers: { ...alice.auth, 'content-type': 'application/json' }, data: JSON.stringify({ tfa: [await freshCode()] }) });
    assert.equal(confirm.status, 200, confirm.body);
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      const r = await stack.curl('/-/package/tfa-pkg/dist-tags/y', { method: 'PUT',
        headers: { ...alice.auth, 'content-type': 'application/json', 'npm-otp': '000000' }, data: '"1.0.0"' });
      statuses.push(r.status);
    }
    assert.equal(statuses[0], 401);
    assert.equal(statuses.at(-1), 429, statuses.join());
    // Even the right code waits now.
    const right = await stack.curl('/-/package/tfa-pkg/dist-tags/y', { method: 'PUT',
      headers: { ...alice.auth, 'content-type': 'application/json', 'npm-otp': await freshCode() }, data: '"1.0.0"' });
    assert.equal(right.status, 429);
  });
});
