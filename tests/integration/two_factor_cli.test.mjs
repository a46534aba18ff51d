// Two-factor authentication through the npm commands people type (issue 12,
// points 2–4): auth-only enrolment with npm profile enable-2fa, login with a
// code (legacy and web, at npm's prompts), every write command of an
// auth-and-writes account refused without --otp and done with it, npm's own
// OTP prompt on publish, a code that serves its own credential only, tokens
// made by npm token create (--bypass-2fa), staging by such tokens, web and
// project tokens of a 2FA account, and tokens past their expiry or outside
// their addresses. Raw HTTP only where a shape is the point.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, createProject, makePackage, webAccount } from '../lib/packages.mjs';
import { repo, sh, Stack } from '../lib/stack.mjs';
import { currentStep, totp } from '../lib/totp.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const json = (r) => JSON.parse(r.body);
const bearer = (t) => ({ authorization: `Bearer ${t}` });

// One account's authenticator: a code for a step no other credential has
// used yet (a code is good one step either side of now; once used, it serves
// again only the credential that used it).
function phone(secret) {
  let last = 0;
  return {
    secret,
    use(step) { last = Math.max(last, step); return totp(secret, step); },
    // The newest code a credential that already used one may use again.
    current() { return this.use(Math.max(last, currentStep())); },
    async fresh() {
      for (;;) {
        const now = currentStep();
        const step = Math.max(last + 1, now);
        if (step <= now + 1) return this.use(step);
        await sleep(500);
      }
    },
  };
}

describe('two-factor authentication through npm\'s commands', () => {
  let stack;
  let dave;   // auth-and-writes, enrolled with the raw API npm drives
  let erin;   // auth-only, enrolled with npm profile enable-2fa auth-only
  let davePhone;  // dave's own token takes davePhone.current() for its writes

  const post = (who, body, otp) => stack.curl('/-/npm/v1/user', { method: 'POST',
    headers: { ...who.auth, 'content-type': 'application/json', ...(otp ? { 'npm-otp': otp } : {}) }, data: JSON.stringify(body) });
  const enrol = async (who, mode) => {
    const start = json(await post(who, { tfa: { password: `${who.name}-password-1`, mode } }));
    const p = phone(new URL(start.tfa).searchParams.get('secret'));
    const r = await post(who, { tfa: [p.use(currentStep())] });
    assert.equal(r.status, 200, r.body);
    p.url = start.tfa;
    return p;
  };
  const publish = (who, manifest, args = []) => makePackage(stack.dir, manifest)
    .then((cwd) => stack.npm(['publish', ...args], { cwd, home: who.home }));
  const tokenHome = async (name, token) => {
    await mkdir(path.join(stack.dir, name), { recursive: true });
    await writeFile(path.join(stack.dir, name, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${token}\n`);
    return name;
  };

  before(async () => {
    stack = await Stack.start();
    dave = await account(stack, 'dave');
    erin = await account(stack, 'erin');
    await account(stack, 'frank');
    for (const m of [{ name: 'dave-pkg', version: '1.0.0' }, { name: 'dave-pkg', version: '1.0.1' }, { name: '@dave/lib', version: '1.0.0' }]) {
      const r = await publish(dave, m);
      assert.equal(r.code, 0, r.stderr);
    }
    davePhone = await enrol(dave, 'auth-and-writes');
    // dave's token takes a step of its own: current() serves it from then on.
    const claim = await stack.curl('/-/package/dave-pkg/dist-tags/claimed', { method: 'PUT',
      headers: { ...dave.auth, 'content-type': 'application/json', 'npm-otp': await davePhone.fresh() }, data: '"1.0.0"' });
    assert.equal(claim.status, 201, claim.body);
  });
  after(async () => { await stack?.stop(); });

  test('npm profile enable-2fa auth-only: the secret as otpauth, recovery codes stored hashed; writes need no code, login does', async () => {
    const r = await stack.npmInteractive(['profile', 'enable-2fa', 'auth-only'], {
      home: erin.home,
      answers: [
        [/npm password:/, 'erin-password-1'],
        [/OTP code from your authenticator/, (out) => {
          const secret = out.match(/Or enter code:\s*([A-Z2-7]+)/)[1];
          erin.phone = phone(secret);
          return erin.phone.use(currentStep());
        }],
      ],
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /2FA successfully enabled/);
    const recovery = [...r.output.matchAll(/^\s+([0-9a-f]{8}-[0-9a-f]{8})\s*$/gm)].map((m) => m[1]);
    assert.equal(recovery.length, 10);
    assert.deepEqual(json(await stack.curl('/-/npm/v1/user', { headers: erin.auth })).tfa, { mode: 'auth-only', pending: false });
    // What the authenticator app reads: TOTP, SHA-1, 6 digits, 30 s, the account, the issuer.
    const otpauth = new URL(davePhone.url);
    assert.equal(otpauth.protocol, 'otpauth:');
    assert.equal(otpauth.host, 'totp');
    assert.equal(decodeURIComponent(otpauth.pathname), '/depot:dave');
    assert.match(otpauth.searchParams.get('secret'), /^[A-Z2-7]{32,}$/, 'at least 160 bits');
    assert.equal(otpauth.searchParams.get('issuer'), 'depot');
    assert.equal(otpauth.searchParams.get('algorithm'), 'SHA1');
    assert.equal(otpauth.searchParams.get('digits'), '6');
    assert.equal(otpauth.searchParams.get('period'), '30');

    // Stored hashed: no recovery code appears in the database, in any form npm shows it.
    const stored = await stack.sql('SELECT code_hash FROM recovery_codes');
    assert.ok(stored.split('\n').length >= 10);
    for (const code of recovery) {
      assert.ok(!stored.includes(code) && !stored.includes(code.replace('-', '')), 'no plain recovery code');
    }

    // auth-only: writes go without a code.
    const pub = await publish(erin, { name: 'erin-pkg', version: '1.0.0' });
    assert.equal(pub.code, 0, pub.stderr);
    // Login asks for the code at npm's prompt, and refuses without it.
    const code = await erin.phone.fresh();
    const login = await stack.npmInteractive(['login', '--auth-type=legacy'], {
      home: 'erin-legacy',
      answers: [[/Username:/, 'erin'], [/Password:/, 'erin-password-1'], [/one-time password/i, code]],
    });
    assert.equal(login.code, 0, login.output);
    assert.match(login.output, /one-time password/i, 'npm asked for the code');
    assert.match(login.output, /Logged in/);
    const wrong = await stack.npmInteractive(['login', '--auth-type=legacy'], {
      home: 'erin-legacy-wrong',
      answers: [[/Username:/, 'erin'], [/Password:/, 'erin-password-1'], [/one-time password/i, '000000']],
    });
    assert.notEqual(wrong.code, 0, wrong.output);
    assert.notEqual((await stack.npm(['whoami'], { home: 'erin-legacy-wrong' })).code, 0, 'no token was saved');
  });

  test('npm login --auth-type=web: the page asks for the code, npm collects the token', async () => {
    const gina = await account(stack, 'gina');
    const p = await enrol(gina, 'auth-only');
    let approving = null;
    const r = await stack.npmInteractive(['login', '--auth-type=web'], {
      home: 'gina-web',
      timeoutMs: 30000,
      onOutput: (out) => {
        const m = out.match(/https:\/\/\S+\/-\/v1\/login\/\S+/);
        if (!m || approving) return;
        const loginPath = new URL(m[0]).pathname;
        const form = { 'content-type': 'application/x-www-form-urlencoded' };
        approving = (async () => {
          const without = await stack.curl(loginPath, { method: 'POST', headers: form, data: 'name=gina&password=gina-password-1&mine=yes' });
          const code = await p.fresh();
          const withCode = await stack.curl(loginPath, { method: 'POST', headers: form,
            data: `name=gina&password=gina-password-1&mine=yes&otp=${code}` });
          return [without.status, withCode.status];
        })();
      },
    });
    assert.ok(approving, `npm printed a login URL:\n${r.output}`);
    assert.deepEqual(await approving, [401, 200]);
    assert.equal(r.code, 0, r.output);
    const who = await stack.npm(['whoami'], { home: 'gina-web' });
    assert.equal(who.stdout.trim(), 'gina');
  });

  test('auth-and-writes: every npm write command is refused without --otp and done with it', async () => {
    // npm trust reads its connection settings from the environment (as in supply_chain.test.mjs).
    const trust = (args, otp = []) => sh(
      path.join(repo, 'tests/node_modules/.bin/npm'), ['trust', ...args, ...otp], { cwd: stack.dir, env: { ...process.env,
        HOME: path.join(stack.dir, dave.home), npm_config_registry: `${stack.url}/`, npm_config_cafile: stack.ca,
        npm_config_userconfig: path.join(stack.dir, dave.home, '.npmrc'), npm_config_cache: path.join(stack.dir, dave.home, 'cache'),
        npm_config_update_notifier: 'false', npm_config_loglevel: 'warn' } });
    const commands = [
      ['deprecate', 'dave-pkg@1.0.0', 'use 1.0.1'],
      ['dist-tag', 'add', 'dave-pkg@1.0.0', 'beta'],
      ['owner', 'add', 'frank', 'dave-pkg'],
      ['access', 'set', 'status=public', '@dave/lib'],
      ['access', 'set', 'mfa=automation', 'dave-pkg'],
      ['profile', 'set', 'fullname', 'Dave Example'],
      ['unpublish', 'dave-pkg@1.0.1', '--force'],
      ['dist-tag', 'rm', 'dave-pkg', 'beta'],
      ['owner', 'rm', 'frank', 'dave-pkg'],
    ];
    for (const args of commands) {
      const no = await stack.npm(args, { home: dave.home });
      assert.notEqual(no.code, 0, `npm ${args.join(' ')} without a code`);
      assert.match(no.stderr, /EOTP|one-time password|OTP required/, `npm ${args.join(' ')}: ${no.stderr}`);
      const yes = await stack.npm([...args, '--otp', davePhone.current()], { home: dave.home });
      assert.equal(yes.code, 0, `npm ${args.join(' ')} --otp: ${yes.stderr}`);
    }
    const doc = json(await stack.curl('/dave-pkg', { headers: { ...dave.auth, accept: 'application/json' } }));
    assert.equal(doc.versions['1.0.0'].deprecated, 'use 1.0.1');
    assert.equal(doc['dist-tags'].beta, undefined, 'added, then removed');
    assert.deepEqual(doc.maintainers.map((m) => m.name).sort(), ['dave'], 'frank added, then removed');
    const changes = JSON.parse((await stack.curl('/-/changes?limit=1000')).body).results.filter((c) => c.name === 'dave-pkg');
    assert.ok(changes.some((c) => c.kind.includes('owner')), changes.map((c) => c.kind).join());
    assert.equal(doc.versions['1.0.1'], undefined);
    assert.equal((await stack.curl('/@dave%2flib')).status, 200, 'made public');
    const vis = json(await stack.curl('/-/package/dave-pkg/visibility', { headers: dave.auth }));
    assert.equal(vis.mfa, 'automation');
    assert.equal(vis.automation_token_overrides_tfa, true);
    const page = await stack.curl('/dave-pkg', { headers: { accept: 'text/html', cookie: `depot_token=${dave.token}` } });
    assert.match(page.body, /id="publish-policy">Publishing needs a one-time password, except from tokens made with --bypass-2fa/);
    const stranger = await stack.curl('/dave-pkg', { headers: { accept: 'text/html' } });
    assert.doesNotMatch(stranger.body, /publish-policy/, 'owners only');
    assert.equal(json(await stack.curl('/-/npm/v1/user', { headers: dave.auth })).fullname, 'Dave Example');

    // npm trust too.
    const t = ['github', 'dave-pkg', '--repository', 'dave/pkg', '--file', 'publish.yml', '--allow-publish', '--yes'];
    const trustNo = await trust(t);
    assert.notEqual(trustNo.code, 0, trustNo.stdout);
    assert.match(trustNo.stderr + trustNo.stdout, /EOTP|one-time password|OTP required/);
    const trustYes = await trust(t, [`--otp=${davePhone.current()}`]);
    assert.equal(trustYes.code, 0, trustYes.stdout + trustYes.stderr);

    // npm's own prompt: publish without --otp asks, and the code typed goes through.
    const cwd = await makePackage(stack.dir, { name: 'dave-pkg', version: '1.0.2' });
    const prompted = await stack.npmInteractive(['publish'], {
      cwd, home: dave.home, answers: [[/one-time password/i, () => davePhone.current()]],
    });
    assert.equal(prompted.code, 0, prompted.output);
    assert.match(prompted.output, /one-time password/i, 'npm prompted');
    assert.ok(json(await stack.curl('/dave-pkg')).versions['1.0.2'], 'published with the typed code');
  });

  test('npm token create needs the code; --bypass-2fa tokens write without one, others do not, and a code is not theirs', async () => {
    const create = (extra, otp = []) => stack.npm(['token', 'create', '--json', '--password', 'dave-password-1', '--name', 'ci',
      '--packages', 'dave-pkg', '--packages-and-scopes-permission', 'read-write', ...extra, ...otp], { home: dave.home });
    const daveCode = davePhone.current();
    const no = await create(['--bypass-2fa']);
    assert.notEqual(no.code, 0);
    assert.match(no.stderr, /EOTP|one-time password|OTP required/);
    const bypass = await create(['--bypass-2fa'], ['--otp', daveCode]);
    assert.equal(bypass.code, 0, bypass.stderr);
    const plain = await create([], ['--otp', daveCode]);
    assert.equal(plain.code, 0, plain.stderr);
    const bypassToken = JSON.parse(bypass.stdout).token;
    const plainToken = JSON.parse(plain.stdout).token;
    assert.equal(JSON.parse(bypass.stdout).bypass_2fa, true);
    assert.equal(JSON.parse(plain.stdout).bypass_2fa, false);
    const listed = JSON.parse((await stack.npm(['token', 'list', '--json'], { home: dave.home })).stdout).filter((x) => x.name === 'ci');
    assert.deepEqual(listed.map((x) => x.bypass_2fa).sort(), [false, true], 'npm token list shows which bypasses');

    const bHome = await tokenHome('dave-bypass', bypassToken);
    const pHome = await tokenHome('dave-plain', plainToken);
    // A new tag each time: npm sends nothing for a tag already set.
    let tags = 0;
    const tag = (home, extra = []) => stack.npm(['dist-tag', 'add', 'dave-pkg@1.0.0', `ci${tags += 1}`, ...extra], { home });
    assert.equal((await tag(bHome)).code, 0, 'bypass-2fa: no code needed');
    const refused = await tag(pHome);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /EOTP|one-time password|OTP required/);
    // dave's code was used by dave's own token: another token may not use it.
    const reused = await tag(pHome, ['--otp', daveCode]);
    assert.notEqual(reused.code, 0, 'a code used by one token is not another\'s');
    assert.equal((await tag(dave.home, ['--otp', daveCode])).code, 0, 'while it still serves the token that used it');
    // Staging takes no code from any token that may write the package:
    // nothing goes live until an owner approves, and that needs the code.
    const stage = (home, version, extra = []) => makePackage(stack.dir, { name: 'dave-pkg', version })
      .then((cwd) => stack.npm(['stage', 'publish', ...extra], { cwd, home }));
    const staged = await stage(bHome, '2.0.0');
    assert.equal(staged.code, 0, staged.stderr);
    const stagedPlain = await stage(pHome, '2.0.1');
    assert.equal(stagedPlain.code, 0, stagedPlain.stderr);
    const plainId = stagedPlain.stdout.match(/staged with id ([0-9a-f-]{36})/)[1];
    const approveNo = await stack.npm(['stage', 'approve', plainId], { home: dave.home });
    assert.notEqual(approveNo.code, 0);
    assert.match(approveNo.stderr, /EOTP|one-time password|OTP required/);
    assert.equal(json(await stack.curl('/dave-pkg')).versions['2.0.1'], undefined);
    // Rejecting what waits needs the owner's code.
    const id = staged.stdout.match(/staged with id ([0-9a-f-]{36})/)[1];
    const rejectNo = await stack.npm(['stage', 'reject', id], { home: dave.home });
    assert.notEqual(rejectNo.code, 0);
    assert.match(rejectNo.stderr, /EOTP|one-time password|OTP required/);
    const rejectYes = await stack.npm(['stage', 'reject', id, '--otp', davePhone.current()], { home: dave.home });
    assert.equal(rejectYes.code, 0, rejectYes.stderr);
    // A fresh code of its own lets the plain token write (last: dave's code is spent for others from here).
    const own = await tag(pHome, ['--otp', await davePhone.fresh()]);
    assert.equal(own.code, 0, own.stderr);
  });

  test('disable-2fa with a wrong password changes nothing', async () => {
    const code = await davePhone.fresh();
    const r = await post(dave, { tfa: { password: 'not-daves', mode: 'disable' } }, code);
    assert.ok([401, 403].includes(r.status), r.body);
    assert.equal(json(await stack.curl('/-/npm/v1/user', { headers: dave.auth })).tfa.mode, 'auth-and-writes');
  });

  test('a 2FA account\'s web and project tokens need codes for writes', async () => {
    const web = await webAccount(stack, 'hana@example.com', { name: 'hana', password: 'hana-password-1' });
    const pt = await createProject(stack, 'hana-proj', web.auth);
    const hana = { name: 'hana', auth: web.auth };
    const p = await enrol(hana, 'auth-and-writes');
    const ptHome = await tokenHome('hana-pt', pt);
    const cwd = await makePackage(stack.dir, { name: 'hana-proj', version: '1.0.0' });
    const no = await stack.npm(['publish'], { cwd, home: ptHome });
    assert.notEqual(no.code, 0, 'the project token alone');
    assert.match(no.stderr, /EOTP|one-time password|OTP required/);
    const yes = await stack.npm(['publish', '--otp', await p.fresh()], { cwd, home: ptHome });
    assert.equal(yes.code, 0, yes.stderr);
    const webTag = (otp) => stack.curl('/-/package/hana-proj/dist-tags/next', { method: 'PUT',
      headers: { ...web.auth, 'content-type': 'application/json', ...(otp ? { 'npm-otp': otp } : {}) }, data: '"1.0.0"' });
    const webNo = await webTag();
    assert.equal(webNo.status, 401, webNo.body);
    assert.match(webNo.headers['www-authenticate'], /OTP/);
    assert.equal((await webTag(await p.fresh())).status, 201);
  });

  test('granular tokens: past their expiry 401, outside their addresses refused', async () => {
    const make = async (extra) => {
      const r = await stack.npm(['token', 'create', '--json', '--password', 'erin-password-1', '--name', 'g',
        '--packages', 'erin-pkg', '--packages-and-scopes-permission', 'read-write', ...extra, '--otp', await erin.phone.fresh()],
      { home: erin.home });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).token;
    };
    const expiring = await make(['--expires', '1']);
    const whoami = (t, extra = []) => stack.curl('/-/whoami', { headers: bearer(t), extra });
    assert.equal((await whoami(expiring)).status, 200);
    await stack.sql(`UPDATE tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE token_prefix = '${expiring.slice(0, 12)}'`);
    const expired = await whoami(expiring);
    assert.equal(expired.status, 401, expired.body);
    assert.match(expired.body, /expired/);

    const cidr = await make(['--cidr', '127.0.0.2/32']);
    const from1 = await whoami(cidr);
    assert.ok([401, 403].includes(from1.status), `from 127.0.0.1: ${from1.status}`);
    const from2 = await whoami(cidr, ['--interface', '127.0.0.2']);
    assert.equal(from2.status, 200, from2.body);
  });
});
