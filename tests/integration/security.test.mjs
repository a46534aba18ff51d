// The 2026-12-01 security review, replayed (issue 8): every finding of
// ../shared/reviews/2026-12-01-security.md is a test here (or, where a file
// already owns the flow, in it: see the ids in each test name), run against
// a fresh stack as the attacker would, and each fails on b7679f0.

import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import {
  account, createProject, mailLink, makePackage, publishBody, resetAccount, tarball, webAccount,
} from '../lib/packages.mjs';
import { repo, sh, Stack } from '../lib/stack.mjs';

const json = { 'content-type': 'application/json' };
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const html = { accept: 'text/html' };
const basic = (name, pw) => ({ authorization: `Basic ${Buffer.from(`${name}:${pw}`).toString('base64')}` });
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const body = (r) => JSON.parse(r.body);

// A token made with `npm token create` semantics: the account's password and options.
async function makeToken(stack, auth, password, options = {}) {
  const r = await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: { ...json, ...auth },
    data: JSON.stringify({ password, ...options }) });
  assert.equal(r.status, 201, r.body);
  return body(r).token;
}

// A tiny HTTP server on loopback that serves files and counts requests.
async function serve(files) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const f = files[req.url];
    res.writeHead(f ? 200 : 404, { 'content-type': 'application/octet-stream' });
    res.end(f ?? 'no');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, hits, base: `http://127.0.0.1:${server.address().port}` };
}

describe('security review: accounts and credentials', () => {
  let stack;
  let alice;
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('H1: no token, not even a full one, sets a password; a CIDR token leads to nothing wider', async () => {
    const ci = await makeToken(stack, alice.auth, 'alice-password-1', { cidr_whitelist: ['127.0.0.1/32'], name: 'ci' });
    // The review's request, and its form-field variant. /-/account is now the
    // 2FA page (issue 12): it sets no password, whatever the fields say.
    for (const r of [
      await stack.curl('/-/account', { method: 'POST', headers: { ...form, ...bearer(ci) }, data: 'name=alice&password=stolen-pass-99' }),
      await stack.curl('/-/account', { method: 'POST', headers: form, data: `ut=${ci}&name=alice&password=stolen-pass-99` }),
      await stack.curl('/-/account', { method: 'POST', headers: { ...form, ...alice.auth }, data: 'name=alice&password=stolen-pass-99' }),
    ]) {
      assert.equal(r.status, 400, r.body);
      assert.match(r.body, /action is/);
    }
    const couch = await stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...bearer(ci) }, data: JSON.stringify({ name: 'alice', password: 'stolen-pass-99' }) });
    assert.equal(couch.status, 401);
    assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'stolen-pass-99') })).status, 401);
    assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'alice-password-1') })).status, 200);
    // A project made with the CIDR token gets a project token with the same limit (review M1).
    const pt = await createProject(stack, 'cidr-escape', bearer(ci));
    assert.equal(await stack.sql(`SELECT cidr_whitelist FROM tokens WHERE kind = 'project' AND package_id =
      (SELECT id FROM packages WHERE name = 'cidr-escape')`), '127.0.0.1/32');
    const away = await stack.curl('/-/whoami', { headers: bearer(pt), extra: ['--interface', '127.0.0.2'] });
    assert.equal(away.status, 401);
    assert.match(away.headers['www-authenticate'], /ipaddress/);
    // An expiring token makes expiring project tokens, never longer-lived ones.
    const short = await makeToken(stack, alice.auth, 'alice-password-1', { expires: 1 });
    await createProject(stack, 'short-lived', bearer(short));
    const left = Number(await stack.sql(`SELECT TIMESTAMPDIFF(SECOND, NOW(3), expires_at) FROM tokens
      WHERE kind = 'project' AND package_id = (SELECT id FROM packages WHERE name = 'short-lived')`));
    assert.ok(left > 0 && left <= 86400, String(left));
  });

  test('H2: a registration proves the address first; an npm-made squat dies with the owner\'s reset', async () => {
    // A web squat creates nothing the squatter can use: the token only comes from the mailed link.
    const squat = await stack.curl('/', { method: 'POST', headers: form, data: 'user=victim%40corp.example' });
    assert.equal(squat.status, 202);
    assert.ok(!('token' in body(squat)));
    assert.equal(await stack.sql("SELECT COUNT(*) FROM users WHERE email_lower = 'victim@corp.example'"), '0');
    const squatLink = await mailLink(stack, 'victim@corp.example', 'confirm');
    // ... and blocks nothing: the owner registers too, and the first link dies with the second's use.
    const victim = await webAccount(stack, 'victim@corp.example', { name: 'victim' });
    const late = await stack.curl('/-confirm', { method: 'POST', headers: form,
      data: new URLSearchParams(Object.fromEntries(squatLink.searchParams)).toString() });
    assert.equal(late.status, 403);
    assert.equal((await stack.curl('/-/whoami', { headers: victim.auth })).status, 200);

    // npm adduser takes any address (it has no mailbox step); the owner's reset takes the account back.
    const mallory = await stack.curl('/-/user/org.couchdb.user:corp-release', { method: 'PUT', headers: json,
      data: JSON.stringify({ name: 'corp-release', password: 'attacker-pw-1', email: 'owner@corp.example' }) });
    assert.equal(mallory.status, 201);
    const stolen = await makeToken(stack, bearer(body(mallory).token), 'attacker-pw-1', { name: 'mine' });
    const kept = await resetAccount(stack, 'owner@corp.example', { password: 'owner-password-1' });
    assert.equal(kept.name, 'corp-release');
    for (const auth of [basic('corp-release', 'attacker-pw-1'), bearer(body(mallory).token), bearer(stolen)]) {
      assert.equal((await stack.curl('/-/whoami', { headers: auth })).status, 401);
    }
    assert.equal((await stack.curl('/-/whoami', { headers: basic('corp-release', 'owner-password-1') })).status, 200);
  });

  test('L3: a reset ends sibling reset links, sessions, user and project tokens; a password change ends logins', async () => {
    const bob = await account(stack, 'bob');
    const pt = await createProject(stack, 'bob-proj', bob.auth);
    const session = await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=bob&password=bob-password-1' });
    const cookie = session.headers['set-cookie'].split(';')[0];
    for (let i = 0; i < 3; i++) {
      assert.equal((await stack.curl('/', { method: 'POST', headers: form, data: 'user=bob%40example.com&reset=1' })).status, 202);
    }
    const links = (await stack.mails()).filter((m) => m.includes('\nTo: bob@example.com\n'))
      .map((m) => new URL(m.match(/(https:\/\/\S+\/-reset\?\S+)/)[1]));
    assert.equal(links.length, 3);
    const use = (link, extra = {}) => stack.curl('/-reset', { method: 'POST', headers: form,
      data: new URLSearchParams({ ...Object.fromEntries(link.searchParams), ...extra }).toString() });
    const done = await use(links[0], { password: 'bob-password-2' });
    assert.equal(done.status, 200, done.body);
    assert.equal((await use(links[1])).status, 403, 'a sibling link died with the reset');
    assert.equal((await stack.curl('/-/whoami', { headers: basic('bob', 'bob-password-1') })).status, 401);
    assert.equal((await stack.curl('/-/whoami', { headers: bob.auth })).status, 401);
    assert.equal((await stack.curl('/-/user/org.couchdb.user:bob', { headers: { cookie } })).status, 401, 'the session died');
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(pt) })).status, 401, 'project tokens are rotated by default');
    const rotated = body(done).project_tokens['bob-proj'];
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(rotated) })).status, 200);
    const hours = Number(await stack.sql(`SELECT TIMESTAMPDIFF(HOUR, NOW(), expires_at) FROM tokens WHERE token_prefix = '${rotated.slice(0, 12)}'`));
    assert.ok(hours > 89 * 24 && hours <= 90 * 24, `a rotated project token expires as a new one does: ${hours} h`);
    // Keeping them is the owner's choice on the reset page.
    const again = await resetAccount(stack, 'bob@example.com', { password: 'bob-password-3', keepProjectTokens: true });
    assert.deepEqual(again.project_tokens ?? {}, {});
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(rotated) })).status, 200);
    // A password change by Basic ends every other token too; its answer carries the new one.
    const change = await stack.curl('/-/user/org.couchdb.user:bob/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...basic('bob', 'bob-password-3') }, data: JSON.stringify({ name: 'bob', password: 'bob-password-4' }) });
    assert.equal(change.status, 201);
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(again.token) })).status, 401);
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(body(change).token) })).status, 200);
  });

  test('L2: an email is shown only to its account; unknown names and wrong passwords look alike', async () => {
    const carol = await account(stack, 'carol');
    const other = JSON.parse((await stack.curl('/-/user/org.couchdb.user:alice', { headers: carol.auth })).body);
    assert.equal(other.name, 'alice');
    assert.ok(!('email' in other));
    const self = JSON.parse((await stack.curl('/-/user/org.couchdb.user:carol', { headers: carol.auth })).body);
    assert.equal(self.email, 'carol@example.com');
    const wrong = await stack.curl('/-/user/org.couchdb.user:alice', { method: 'PUT', headers: json,
      data: JSON.stringify({ name: 'alice', password: 'wrong-password-1' }) });
    const unknown = await stack.curl('/-/user/org.couchdb.user:nosuchuser', { method: 'PUT', headers: json,
      data: JSON.stringify({ name: 'nosuchuser', password: 'wrong-password-1' }) });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(body(wrong).error, body(unknown).error);
  });

  test('L6, S2: a ?pt= link never replaces the cookie silently, and forms take no Basic credentials', async () => {
    const pt = await createProject(stack, 'victim-proj', alice.auth);
    const attackerPt = await createProject(stack, 'attacker-proj', (await account(stack, 'mallory')).auth);
    const victimCookie = `depot_token=${pt}`;
    const r = await stack.curl(`/attacker-proj?pt=${encodeURIComponent(attackerPt)}`, { headers: { ...html, cookie: victimCookie } });
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.headers['set-cookie'], /depot_token=/);
    assert.match(r.body, /replaces it/);
    // A cross-site form (no switch cookie, or another origin) cannot post the trade.
    const csrf = r.body.match(/name="csrf" value="([^"]+)"/)[1];
    const forged = await stack.curl('/attacker-proj/-/session', { method: 'POST', headers: { ...form, cookie: victimCookie },
      data: `token=${encodeURIComponent(attackerPt)}&csrf=${encodeURIComponent(csrf)}` });
    assert.equal(forged.status, 403);
    const switchCookie = r.headers['set-cookie'].split(';')[0];
    const otherSite = await stack.curl('/attacker-proj/-/session', { method: 'POST',
      headers: { ...form, cookie: `${victimCookie}; ${switchCookie}`, origin: 'https://evil.example' },
      data: `token=${encodeURIComponent(attackerPt)}&csrf=${encodeURIComponent(csrf)}` });
    assert.equal(otherSite.status, 403);
    // S2: a browser's remembered Basic credentials do not authorise a form.
    const viaBasic = await stack.curl('/victim-proj/nightly', { method: 'POST', headers: { ...form, ...basic('alice', 'alice-password-1') },
      data: 'link=https%3A%2F%2Fevil.example%2Fx.tgz' });
    assert.equal(viaBasic.status, 401);
  });

  test('review of the fixes: a web login approved before a reset gives no token after it', async () => {
    const dora = await account(stack, 'dora');
    const start = body(await stack.curl('/-/v1/login', { method: 'POST', headers: json, data: '{}' }));
    const approved = await stack.curl(start.loginUrl.slice(stack.url.length), { method: 'POST', headers: form,
      data: 'name=dora&password=dora-password-1&mine=yes' });
    assert.equal(approved.status, 200);
    await resetAccount(stack, 'dora@example.com', { password: 'dora-password-2' });
    assert.equal((await stack.curl(start.doneUrl.slice(stack.url.length))).status, 404, 'the approval died with the reset');
    assert.equal((await stack.curl('/-/whoami', { headers: dora.auth })).status, 401);
  });

  test('review of the fixes: a new email counts only once the link mailed to it is confirmed', async () => {
    const erin = await account(stack, 'erin');
    const change = await stack.curl('/-/user/org.couchdb.user:erin/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...basic('erin', 'erin-password-1') }, data: JSON.stringify({ name: 'erin', email: 'thief@evil.example' }) });
    assert.equal(change.status, 201);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'erin'"), 'erin@example.com');
    const notice = (await stack.mails()).filter((m) => m.includes('\nTo: erin@example.com\n')).at(-1);
    assert.match(notice, /change the email of the depot account erin/);
    const post = (link) => stack.curl('/-confirm', { method: 'POST', headers: form,
      data: new URLSearchParams(Object.fromEntries(link.searchParams)).toString() });
    // The owner resets from the old address: the pending change dies with the old password.
    const thiefLink = await mailLink(stack, 'thief@evil.example', 'confirm');
    const page = await stack.curl(thiefLink.pathname + thiefLink.search, { headers: html });
    assert.match(page.body, /the email of the depot account <strong>erin<\/strong>/);
    await resetAccount(stack, 'erin@example.com', { password: 'erin-password-2' });
    assert.equal((await post(thiefLink)).status, 403);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'erin'"), 'erin@example.com');

    // A thief who confirms at once: the old address's link undoes it and locks the account.
    const again = await stack.curl('/-/user/org.couchdb.user:erin/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...basic('erin', 'erin-password-2') }, data: JSON.stringify({ name: 'erin', email: 'thief2@evil.example' }) });
    assert.equal(again.status, 201);
    const thiefToken = body(again).token;
    assert.equal((await post(await mailLink(stack, 'thief2@evil.example', 'confirm'))).status, 200);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'erin'"), 'thief2@evil.example');
    const undo = await mailLink(stack, 'erin@example.com', 'confirm');
    assert.match((await stack.curl(undo.pathname + undo.search, { headers: html })).body, /lock the account/);
    const locked = await post(undo);
    assert.equal(locked.status, 200, locked.body);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'erin'"), 'erin@example.com');
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(thiefToken) })).status, 401);
    assert.equal((await stack.curl('/-/whoami', { headers: basic('erin', 'erin-password-2') })).status, 401);
    const back = await resetAccount(stack, 'erin@example.com', { password: 'erin-password-3' });
    assert.equal((await stack.curl('/-/whoami', { headers: bearer(back.token) })).status, 200);
  });

  test('review of the fixes: a project token reads no account, not even its creator\'s', async () => {
    const web = await webAccount(stack, 'nameless@example.com');
    const pt = await createProject(stack, 'nameless-proj', web.auth);
    assert.equal((await stack.curl('/-/user/org.couchdb.user:alice', { headers: bearer(pt) })).status, 403);
    assert.deepEqual(body(await stack.curl('/-/whoami', { headers: bearer(pt) })), { username: '(a project token)' });
    assert.deepEqual(body(await stack.curl('/-/whoami', { headers: web.auth })), { username: 'nameless@example.com' });
  });

  test('S13, L5: a web login shows where it started, must be confirmed, and makes no account unless asked', async () => {
    const start = body(await stack.curl('/-/v1/login', { method: 'POST', headers: { ...json, 'user-agent': 'npm/11.19.1 node/v20' }, data: '{}' }));
    const page = await stack.curl(start.loginUrl.slice(stack.url.length), { headers: html });
    assert.match(page.body, /<code>127\.0\.0\.1<\/code>/);
    assert.match(page.body, /<code>npm\/11\.19\.1 node\/v20<\/code>/);
    assert.doesNotMatch(page.body, /name="email"/);
    const users = await stack.sql('SELECT COUNT(*) FROM users');
    const made = await stack.curl(start.loginUrl.slice(stack.url.length), { method: 'POST', headers: form,
      data: 'name=newbie&password=newbie-password-1&email=newbie%40example.com&mine=yes' });
    assert.equal(made.status, 401, 'a login page does not create accounts');
    assert.equal(await stack.sql('SELECT COUNT(*) FROM users'), users);
  });
});

describe('security review: authorization', () => {
  let stack;
  let alice;
  let mallory;
  let pt;  // alice's project token for the public alice-proj
  let links;
  let proxy;

  before(async () => {
    // S3: a proxy in the workers' environment must not carry link fetches.
    proxy = await serve({});
    // One worker process of two threads: its gates (one link download at a
    // time) are per process.
    stack = await Stack.start({ extraConf: 'link_allow_private = true\nprocesses = 1',
      env: { http_proxy: proxy.base, https_proxy: proxy.base, ALL_PROXY: proxy.base } });
    alice = await account(stack, 'alice');
    mallory = await account(stack, 'mallory');
    for (const [name, description] of [['@acme/secret', 'top secret internal'], ['@acme/payroll', 'payroll numbers']]) {
      const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name, version: '1.0.0', description }), home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
    pt = await createProject(stack, 'alice-proj', alice.auth);
    links = await serve({
      '/alice-proj-2.0.0.tgz': await tarball(stack.dir, { name: 'alice-proj', version: '2.0.0', scripts: { install: 'echo hi' } }),
      '/rebuilt.tgz': await tarball(stack.dir, { name: 'alice-proj', version: '1.0.0' }),
    });
  });
  after(async () => {
    links?.server.close();
    proxy?.server.close();
    await stack?.stop();
  });

  test('M1: a project token reads its own package and nothing restricted of its creator', async () => {
    const as = { headers: bearer(pt) };
    assert.equal((await stack.curl('/@acme%2fsecret', as)).status, 404);
    assert.equal((await stack.curl('/@acme%2fsecret/1.0.0', as)).status, 404);
    assert.equal((await stack.curl('/@acme/secret/-/secret-1.0.0.tgz', as)).status, 404);
    assert.equal((await stack.curl('/-/package/@acme%2fsecret/visibility', as)).status, 404);
    assert.equal((await stack.curl('/-/package/@acme%2fsecret/dist-tags', as)).status, 404);
    assert.equal(body(await stack.curl('/-/v1/search?text=payroll', as)).total, 0);
    assert.deepEqual(body(await stack.curl('/-/user/alice/package', as)), { 'alice-proj': 'write' });
    assert.ok(!(await stack.curl('/-/changes', as)).body.includes('@acme'));
    assert.equal((await stack.curl('/-/npm/v1/tokens', as)).status, 403);
    const audit = await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST', headers: { ...json, ...bearer(pt) },
      data: JSON.stringify({ '@acme/secret': ['1.0.0'] }) });
    assert.deepEqual(body(audit), {});
    assert.equal((await stack.curl('/@acme%2fsecret', { headers: { ...html, ...bearer(pt) } })).status, 404);
    // Its owner still reads it all.
    assert.equal((await stack.curl('/@acme%2fsecret', { headers: alice.auth })).status, 200);
    assert.equal(body(await stack.curl('/-/v1/search?text=payroll', { headers: alice.auth })).total, 1);
  });

  test('M5: a scoped project created on the web starts restricted', async () => {
    const scopedPt = await createProject(stack, '@acme/internal-tool', alice.auth);
    const manifest = { name: '@acme/internal-tool', version: '1.0.0', description: 'internal only' };
    const r = await stack.curl('/@acme%2finternal-tool', { method: 'PUT', headers: { ...json, ...bearer(scopedPt) },
      data: JSON.stringify(publishBody(manifest, await tarball(stack.dir, manifest))) });
    assert.equal(r.status, 201, r.body);
    assert.equal((await stack.curl('/-/package/@acme%2finternal-tool/visibility')).status, 404);
    assert.equal((await stack.curl('/@acme/internal-tool/-/internal-tool-1.0.0.tgz')).status, 404);
  });

  test('M6: scopes have owners; members are managed with npm org', async () => {
    const r = await stack.npm(['publish', '--access', 'public'], {
      cwd: await makePackage(stack.dir, { name: '@acme/utils', version: '1.0.0', description: 'acme official utils' }), home: mallory.home });
    assert.notEqual(r.code, 0);
    // 404, as npm's registry answers for a scope that is not yours, and the
    // same answer a restricted package there gives: no name leaks (point 8).
    assert.match(r.stderr, /E404/);
    assert.equal((await stack.curl('/@acme%2futils')).status, 404);
    const web = await stack.curl('/@acme%2fother', { method: 'POST', headers: { ...form, ...mallory.auth }, data: 'create' });
    assert.equal(web.status, 404);
    const existing = await stack.curl('/@acme%2fpayroll', { method: 'POST', headers: { ...form, ...mallory.auth }, data: 'create' });
    assert.equal(existing.status, 404);
    assert.equal(body(existing).error.replace('payroll', 'other'), body(web).error, 'absent and restricted answer alike');
    // @mallory is mallory's own scope; @alice alice's, even before she published there.
    const own = await stack.npm(['publish', '--access', 'public'], {
      cwd: await makePackage(stack.dir, { name: '@mallory/tool', version: '1.0.0' }), home: mallory.home });
    assert.equal(own.code, 0, own.stderr);
    const squat = await stack.npm(['publish', '--access', 'public'], {
      cwd: await makePackage(stack.dir, { name: '@alice/tool', version: '1.0.0' }), home: mallory.home });
    assert.match(squat.stderr, /E404/);
    // npm org set / ls / rm, with the real CLI.
    const set = await stack.npm(['org', 'set', 'acme', 'mallory', 'developer'], { home: alice.home });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Added mallory as developer to acme\. You now have 2 members in this org\./);
    const ls = await stack.npm(['org', 'ls', 'acme', '--json'], { home: mallory.home });
    assert.deepEqual(JSON.parse(ls.stdout), { alice: 'owner', mallory: 'developer' });
    const now = await stack.npm(['publish', '--access', 'public'], {
      cwd: await makePackage(stack.dir, { name: '@acme/utils', version: '1.0.0' }), home: mallory.home });
    assert.equal(now.code, 0, now.stderr);
    const escalate = await stack.npm(['org', 'set', 'acme', 'mallory', 'owner'], { home: mallory.home });
    assert.notEqual(escalate.code, 0, 'a developer cannot make itself owner');
    const lastOwner = await stack.curl('/-/org/acme/user', { method: 'DELETE', headers: { ...json, ...alice.auth }, data: '{"user":"alice"}' });
    assert.equal(lastOwner.status, 400, 'a scope keeps one owner');
    const rm = await stack.npm(['org', 'rm', 'acme', 'mallory'], { home: alice.home });
    assert.equal(rm.code, 0, rm.stderr);
    const after1 = await stack.npm(['publish', '--access', 'public'], {
      cwd: await makePackage(stack.dir, { name: '@acme/more', version: '1.0.0' }), home: mallory.home });
    assert.match(after1.stderr, /E404/);
    const stranger = await stack.curl('/-/org/acme/user', { headers: mallory.auth });
    assert.equal(stranger.status, 403, 'members only');
  });

  test('M6: the migration gives a shared scope to its earliest publisher and keeps the others as developers', async () => {
    // Replay 0004's data steps on a scope two publishers shared before scopes had owners.
    const zed = await account(stack, 'zed');
    const yan = await account(stack, 'yan');
    await account(stack, 'shared');  // shares the scope's name, never published there
    await stack.sql(`INSERT INTO packages (name, scope, access, created_at) VALUES
      ('@shared/a', 'shared', 'public', '2020-01-01'), ('@shared/b', 'shared', 'public', '2021-01-01')`);
    await stack.sql(`INSERT INTO package_owners (package_id, user_id) SELECT p.id, u.id FROM packages p, users u
      WHERE (p.name = '@shared/a' AND u.name = 'yan') OR (p.name = '@shared/b' AND u.name = 'zed')`);
    const migration = await readFile(path.join(repo, 'schema/0004_scopes.sql'), 'utf8');
    const inserts = migration.replace(/--.*$/gm, '').split(';').map((s) => s.trim()).filter((s) => s.startsWith('INSERT'));
    assert.equal(inserts.length, 4);
    for (const sql of inserts) await stack.sql(sql.replace(/^INSERT INTO/, 'INSERT IGNORE INTO'));
    assert.equal(await stack.sql(`SELECT GROUP_CONCAT(u.name, ':', m.role ORDER BY u.name) FROM scope_members m
      JOIN users u ON u.id = m.user_id WHERE m.scope = 'shared'`), 'yan:owner,zed:developer',
    'the earliest publisher owns it, not an account that only shares its name');
    assert.ok(zed && yan);
  });

  test('L1, point 8: restricted names answer 404 before any other message', async () => {
    const create = await stack.curl('/@acme%2fsecret', { method: 'POST', headers: { ...form, ...mallory.auth }, data: 'create' });
    assert.equal(create.status, 404);
    const withUt = await stack.curl(`/@acme%2fpayroll?ut=${mallory.token}`, { headers: html });
    assert.equal(withUt.status, 404);
    const withPt = await stack.curl(`/@acme%2fpayroll?pt=${pt}`, { headers: html });
    assert.equal(withPt.status, 404, 'a project token of another package');
    for (const [p, data] of [['/@acme%2fsecret/stable', 'v1.0.0'], ['/@acme%2fsecret/-/deprecate', 'version=1.0.0&message=x'],
      ['/@acme%2fsecret/-/owners', 'add=mallory'], ['/@acme%2fsecret/-/rotate', ''], ['/@acme%2fsecret/nightly', 'link=https%3A%2F%2Fx.example%2Fa.tgz']]) {
      const r = await stack.curl(p, { method: 'POST', headers: { ...form, ...bearer(pt) }, data });
      assert.equal(r.status, 404, p);
    }
  });

  test('I1: owners are added by npm name, and addresses never reach the change feed or packuments', async () => {
    const byEmail = await stack.curl('/alice-proj/-/owners', { method: 'POST', headers: { ...form, ...alice.auth }, data: 'add=mallory%40example.com' });
    assert.equal(byEmail.status, 400);
    assert.equal((await stack.curl('/alice-proj/-/owners', { method: 'POST', headers: { ...form, ...alice.auth }, data: 'add=mallory' })).status, 200);
    const changes = (await stack.curl('/-/changes?limit=1000')).body;
    assert.match(changes, /"added":"mallory"/);
    assert.doesNotMatch(changes, /@example\.com/);
    assert.doesNotMatch((await stack.curl('/alice-proj', { headers: { accept: 'application/json' } })).body, /@example\.com/);
    assert.doesNotMatch((await stack.curl('/alice-proj', { headers: html })).body, /@example\.com/);
    assert.doesNotMatch((await stack.curl('/-/v1/search?text=acme', { headers: alice.auth })).body, /@example\.com/);
  });

  test('M2, S3: a version link is authorised before anything is fetched, and never through a proxy', async () => {
    const readOnly = await makeToken(stack, alice.auth, 'alice-password-1', { packages_and_scopes_permission: 'read-only' });
    const link = `link=${encodeURIComponent(`${links.base}/alice-proj-2.0.0.tgz`)}`;
    const eve = await account(stack, 'eve');  // not an owner (mallory became one in I1)
    const hits = links.hits.length;
    for (const [auth, status] of [[eve.auth, 403], [bearer(readOnly), 403], [{}, 401]]) {
      const r = await stack.curl('/alice-proj/v2.0.0', { method: 'POST', headers: { ...form, ...auth }, data: link });
      assert.equal(r.status, status, r.body);
    }
    const secret = await stack.curl('/@acme%2fsecret/v9.9.9', { method: 'POST', headers: { ...form, ...eve.auth },
      data: 'link=http%3A%2F%2Fnonexistent.invalid%2Fx.tgz' });
    assert.equal(secret.status, 404);
    assert.equal(links.hits.length, hits, 'nothing was fetched for a caller who may not register');
    const ok = await stack.curl('/alice-proj/v2.0.0', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: link });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(links.hits.length, hits + 1);
    assert.equal(proxy.hits.length, 0, 'the proxy of the environment was not used');
    // The manifest comes from the tarball, install script included (M7's second half).
    const v = body(await stack.curl('/alice-proj', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).versions['2.0.0'];
    assert.equal(v.hasInstallScript, true);
  });

  test('review of the fixes: a removed owner\'s project tokens of that package stop working', async () => {
    const ptSecret = await createProject(stack, '@acme/handover', alice.auth);
    assert.equal((await stack.curl('/@acme%2fhandover', { headers: bearer(ptSecret) })).status, 200);
    const fred = await account(stack, 'fred');
    assert.equal((await stack.npm(['org', 'set', 'acme', 'fred', 'developer'], { home: alice.home })).code, 0);
    assert.equal((await stack.curl('/@acme%2fhandover/-/owners', { method: 'POST', headers: { ...form, ...alice.auth }, data: 'add=fred' })).status, 200);
    assert.equal((await stack.curl('/@acme%2fhandover/-/owners', { method: 'POST', headers: { ...form, ...fred.auth }, data: 'remove=alice' })).status, 200);
    assert.equal((await stack.curl('/@acme%2fhandover', { headers: bearer(ptSecret) })).status, 401);
  });

  test('review of the fixes: a slow link holds one download slot, and gives up when it trickles', async () => {
    let release;
    const slow = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.from([0x1f]));  // then nothing: under 1 KiB/s
      release = () => res.destroy();
    });
    await new Promise((r) => slow.listen(0, '127.0.0.1', r));
    const link = `link=${encodeURIComponent(`http://127.0.0.1:${slow.address().port}/x.tgz`)}`;
    try {
      const first = stack.curl('/alice-proj/v3.0.0', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: link });
      await sleep(500);
      const second = await stack.curl('/alice-proj/v3.0.1', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: link });
      assert.equal(second.status, 429, 'the test stack has two workers: one download at a time');
      assert.match(second.headers['retry-after'], /^\d+$/);
      assert.equal((await stack.curl('/-/ping')).status, 200, 'a worker is still free');
      const r = await first;
      assert.equal(r.status, 400);
      assert.equal(body(r).error, 'the link could not be fetched');
    } finally {
      release?.();
      slow.close();
      slow.closeAllConnections?.();
    }
  });

  test('M7: build metadata is refused at every entry point, so no tombstone can be bypassed', async () => {
    const link = `link=${encodeURIComponent(`${links.base}/rebuilt.tgz`)}`;
    for (const [p, data] of [['/alice-proj/v1.0.0%2Brebuilt', link], ['/alice-proj/-/link', `version=v1.0.0%2Brebuilt&${link}`]]) {
      const r = await stack.curl(p, { method: 'POST', headers: { ...form, ...bearer(pt) }, data });
      assert.equal(r.status, 400, `${p}: ${r.body}`);
      assert.match(body(r).error, /build metadata/);
    }
    const manifest = { name: 'alice-proj', version: '1.0.0+rebuilt' };
    const put = await stack.curl('/alice-proj', { method: 'PUT', headers: { ...json, ...bearer(pt) },
      data: JSON.stringify(publishBody(manifest, await tarball(stack.dir, manifest))) });
    assert.equal(put.status, 400);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM versions WHERE version LIKE '%+%'"), '0');
  });
});

describe('security review: untrusted content', () => {
  let stack;
  let alice;
  before(async () => {
    stack = await Stack.start({ extraConf: 'tarball_max_inflated = 4M\nreadme_render_ms = 1500' });
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  const put = async (name, manifest, bytes, sent = manifest) => stack.curl(`/${name.replace('/', '%2f')}`, { method: 'PUT',
    headers: { ...json, ...alice.auth }, data: JSON.stringify(publishBody(sent, bytes ?? await tarball(stack.dir, manifest))) });
  const versions = async () => stack.sql('SELECT COUNT(*) FROM versions');

  test('M4: a manifest that differs from the tarball\'s package.json is refused, naming the field', async () => {
    const inside = { name: 'confusion-demo', version: '1.0.0', scripts: { postinstall: 'node -e "require(\'child_process\').execSync(\'id > ~/pwned\')"' },
      dependencies: { 'evil-dep': '*' } };
    const before1 = String(Number(await versions()) + 1);  // the honest publish below adds one
    for (const [sent, field] of [
      [{ name: 'confusion-demo', version: '1.0.0', dependencies: { 'evil-dep': '*' } }, /scripts\.postinstall/],
      [{ ...inside, dependencies: {} }, /dependencies/],
      [{ ...inside, bin: { x: 'x.js' } }, /bin/],
      [{ ...inside, os: ['linux'] }, /os/],
    ]) {
      const r = await put('confusion-demo', inside, await tarball(stack.dir, inside), sent);
      assert.equal(r.status, 400, r.body);
      assert.match(body(r).error, field);
    }
    const fine = await put('confusion-demo', inside);
    assert.equal(fine.status, 201, fine.body);
    assert.deepEqual(body(fine), { ok: true, id: 'confusion-demo', version: '1.0.0' });
    const otherName = await put('confusion-demo', { name: 'totally-other-name', version: '6.6.6' }, undefined,
      { name: 'confusion-demo', version: '1.0.0' });
    assert.equal(otherName.status, 400);
    assert.match(body(otherName).error, /name differs/);
    // A second package/package.json later in the archive is the one extraction keeps.
    const honest = { name: 'two-jsons', version: '1.0.0' };
    const twice = await sh('bash', ['-c', `set -e; d=$(mktemp -d); mkdir -p $d/a/package $d/b/package
      echo '${JSON.stringify(honest)}' > $d/a/package/package.json
      echo '${JSON.stringify({ ...honest, scripts: { install: 'evil' } })}' > $d/b/package/package.json
      tar -cf $d/t.tar -C $d/a package/package.json; tar -rf $d/t.tar -C $d/b package/package.json
      gzip -c $d/t.tar | base64 -w0`]);
    const dup = await put('two-jsons', honest, Buffer.from(twice.stdout, 'base64'));
    assert.equal(dup.status, 400);
    assert.match(body(dup).error, /package\/package\.json twice/);
    assert.equal(await versions(), before1);
  });

  test('review of the fixes: a tarball npm would extract differently from depot is refused', async () => {
    const manifest = { name: 'shapes', version: '1.0.0' };
    const pj = JSON.stringify(manifest);
    const evil = JSON.stringify({ ...manifest, scripts: { postinstall: 'evil' } });
    // Tar archives written byte by byte: the layouts GNU tar will not make on request.
    const tar = (entries, tail = '') => sh('python3', ['-c', `
import io, sys, tarfile, base64, gzip
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as t:
    for name, data, kind in ${JSON.stringify(entries)}:
        info = tarfile.TarInfo(name)
        raw = data.encode()
        info.size = len(raw)
        if kind: info.type = kind.encode()
        t.addfile(info, io.BytesIO(raw))
data = bytearray(buf.getvalue())
tail = ${JSON.stringify(tail)}
def fix_checksum(off, signed=False):
    data[off+148:off+156] = b' ' * 8
    total = sum((b - 256 if signed and b > 127 else b) for b in data[off:off+512])
    data[off+148:off+156] = ('%06o' % (total & 0o7777777)).encode() + b'\\0 '
headers = [i for i in range(0, len(data), 512) if data[i:i+1] not in (b'\\0',) and data[i+257:i+262] == b'ustar']
last = headers[-1]
if tail == 'signed-checksum':
    data[last+500] = 0xff
    fix_checksum(last, signed=True)
elif tail == 'linkname':
    data[last+157:last+162] = b'other'
    fix_checksum(last)
elif tail == 'dir-with-size':
    data[last+124:last+136] = b'00000001000\\0'
    fix_checksum(last)
elif tail == 'pax-newline':
    # a pax comment whose value holds a newline and a second record
    import tarfile as tf
    rec = '17 comment=x\\npath=\\n'
    buf2 = io.BytesIO()
    with tf.open(fileobj=buf2, mode='w', format=tf.PAX_FORMAT) as t:
        info = tf.TarInfo('package/x.js'); info.pax_headers = {'comment': 'x\\n5 path=package/package.json'}
        raw = b'x'; info.size = 1; t.addfile(info, io.BytesIO(raw))
    data = bytearray(buf2.getvalue())
elif tail == 'bad-magic':
    data[last+263:last+265] = b'\\0\\0'
    fix_checksum(last)
data = bytes(data)
if tail == 'nullblock-then-data':
    end = data.rstrip(b'\\0')
    end = end + b'\\0' * (-len(end) % 512)
    extra = io.BytesIO()
    with tarfile.open(fileobj=extra, mode='w', format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo('package/package.json'); raw = ${JSON.stringify(evil)}.encode(); info.size = len(raw)
        t.addfile(info, io.BytesIO(raw))
    data = end + b'\\0' * 512 + extra.getvalue()
sys.stdout.write(base64.b64encode(gzip.compress(data)).decode())
`]);
    const cases = [
      [[['package/package.json', pj, ''], ['package/x.bin', 'x', '']], /checksum/, 'signed-checksum'],
      [[['package/package.json', pj, ''], ['package/x.js', 'x', '']], /link name/, 'linkname'],
      [[['package/package.json', pj, ''], ['package/d', '', '5']], /directory entry/, 'dir-with-size'],
      [[['package/package.json', pj, ''], ['package/d/', evil, '']], /directory entry/],
      [[['package/package.json', pj, ''], ['package/x.js', 'x', '']], /pax value/, 'pax-newline'],
      [[['package/package.json', pj, '']], /POSIX or GNU/, 'bad-magic'],
      [[['package/package.json', pj, ''], ['package/package.json\u0000\nx', evil, '']], /UTF-8|twice|canonical/],
      [[['package/package.json', pj, ''], ['package//binding.gyp', '{}', '']], /\/\/|outside package/],
      [[['package/package.json', pj, ''], ['x/package.json', evil, '']], /outside package/],
      [[['package/package.json', pj, ''], ['package/package.json', evil, '']], /twice/],
      [[['package/package.json', pj, ''], ['package/Package.json', evil, '']], /twice/],
      [[['package/package.json', evil, ''], ['package/package.json', pj, 'Z']], /type npm does not write|twice/],
      [[['package/package.json', pj, ''], ['package/link', '', '2']], /type npm does not write|link/],
      [[['package/package.json', pj, '']], /after the end/, 'nullblock-then-data'],
    ];
    const before1 = await versions();
    for (const [entries, message, tail] of cases) {
      const b64 = await tar(entries, tail ?? '');
      assert.equal(b64.code, 0, b64.stderr);
      const r = await put('shapes', manifest, Buffer.from(b64.stdout, 'base64'));
      assert.equal(r.status, 400, `${JSON.stringify(entries)}: ${r.body}`);
      assert.match(body(r).error, message);
    }
    // A key twice at any depth, in the body or in package.json: JavaScript keeps the last.
    const plain = JSON.stringify(publishBody(manifest, await tarball(stack.dir, manifest)));
    const r1 = await stack.curl('/shapes', { method: 'PUT', headers: { ...json, ...alice.auth },
      data: plain.replace('"versions":{"1.0.0":{', '"versions":{"1.0.0":{"scripts":{"postinstall":"a","postinstall":"b"},') });
    assert.equal(r1.status, 400);
    assert.match(body(r1).error, /repeats a key/);
    const dupJson = await tarball(stack.dir, manifest, { 'package.json': '{"name":"shapes","version":"1.0.0","scripts":{},"scripts":{"postinstall":"evil"}}' });
    const r2 = await put('shapes', manifest, dupJson);
    assert.equal(r2.status, 400);
    assert.match(body(r2).error, /repeats a key/);
    assert.equal(await versions(), before1);
  });

  test('point 9: a native addon, a directories.bin package and a bundling package publish with the real npm', async () => {
    const addon = await makePackage(stack.dir, { name: 'native-addon', version: '1.0.0', main: 'index.js' });
    await writeFile(path.join(addon, 'binding.gyp'), '{"targets":[{"target_name":"x","sources":["x.cc"]}]}');
    await writeFile(path.join(addon, 'x.cc'), '// native\n');
    const binDir = await makePackage(stack.dir, { name: 'bin-dir-pkg', version: '1.0.0', directories: { bin: './bin' } });
    await mkdir(path.join(binDir, 'bin/sub'), { recursive: true });
    await writeFile(path.join(binDir, 'bin/tool'), '#!/usr/bin/env node\n');
    await writeFile(path.join(binDir, 'bin/sub/helper'), '#!/usr/bin/env node\n');
    const bundler = await makePackage(stack.dir, { name: 'bundler-pkg', version: '1.0.0',
      dependencies: { 'dep-a': '^1.0.0' }, bundleDependencies: ['dep-a', 'dep-b'] });
    for (const dep of ['dep-a', 'dep-b']) {
      await mkdir(path.join(bundler, 'node_modules', dep), { recursive: true });
      await writeFile(path.join(bundler, 'node_modules', dep, 'package.json'), JSON.stringify({ name: dep, version: '1.0.0' }));
    }
    // npm writes pax headers (with size) for non-ASCII and long file names.
    const named = await makePackage(stack.dir, { name: 'named-files', version: '1.0.0' });
    await mkdir(path.join(named, 'docs'), { recursive: true });
    await writeFile(path.join(named, 'docs', 'r\u00e9sum\u00e9.md'), '# r\u00e9sum\u00e9\n');
    await writeFile(path.join(named, `${'long-name-'.repeat(11)}.js`), '// long\n');
    for (const dir of [addon, binDir, bundler, named]) {
      const r = await stack.npm(['publish'], { cwd: dir, home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
    const corgi = async (name) => body(await stack.curl(`/${name}`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })).versions['1.0.0'];
    const a = await corgi('native-addon');
    assert.equal(a.hasInstallScript, true);
    const full = body(await stack.curl('/native-addon/1.0.0'));
    assert.equal(full.scripts.install, 'node-gyp rebuild');
    assert.deepEqual((await corgi('bin-dir-pkg')).bin, { tool: 'bin/tool', sub: 'bin/sub', helper: 'bin/sub/helper' });
    assert.deepEqual((await corgi('bundler-pkg')).dependencies, { 'dep-a': '^1.0.0', 'dep-b': '*' });
  });

  test('point 9: a gzip bomb, a non-tar, a truncated archive and a tarball without package.json are 4xx and store nothing', async () => {
    const files = (await sh('bash', ['-c', `find ${stack.dir}/tarballs -type f | wc -l`])).stdout.trim();
    const before1 = await versions();
    const bomb = await sh('bash', ['-c', `set -e; d=$(mktemp -d); mkdir -p $d/package
      echo '{"name":"bomb-pkg","version":"1.0.0"}' > $d/package/package.json
      head -c 64M /dev/zero > $d/package/zeros; tar -czf $d/t.tgz -C $d package; base64 -w0 $d/t.tgz`]);
    const good = await tarball(stack.dir, { name: 'bomb-pkg', version: '1.0.0' });
    const noJson = await sh('bash', ['-c', 'set -e; d=$(mktemp -d); mkdir -p $d/package; echo x > $d/package/x; tar -czf $d/t.tgz -C $d package; base64 -w0 $d/t.tgz']);
    const cases = [
      [Buffer.from(bomb.stdout, 'base64'), 413, /inflates to more than 4 MiB/],
      [Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip data at all')]), 400, /gzip/],
      [(await sh('bash', ['-c', 'echo "plain text" | gzip -c | base64 -w0'])).stdout, 400, /tar/],
      [good.subarray(0, Math.floor(good.length / 2)), 400, /complete gzip stream|damaged|readable/],
      [Buffer.from(noJson.stdout, 'base64'), 400, /no package\/package\.json/],
    ];
    for (const [bytes, status, message] of cases) {
      const b = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : bytes;
      const r = await put('bomb-pkg', { name: 'bomb-pkg', version: '1.0.0' }, b);
      assert.equal(r.status, status, r.body);
      assert.match(body(r).error, message);
    }
    assert.equal(await versions(), before1);
    assert.equal((await sh('bash', ['-c', `find ${stack.dir}/tarballs -type f | wc -l`])).stdout.trim(), files);
  });

  test('H3: a README is cut at 64 KB and rendered once at publish; over the budget it is text, and pages never render', async () => {
    const readme = `${'>'.repeat(40000)}${'a*'.repeat(40000)}`;
    const manifest = { name: 'readme-bomb', version: '1.0.0' };
    const bytes = await tarball(stack.dir, manifest);
    const sent = publishBody(manifest, bytes);
    sent.versions['1.0.0'].readme = readme;
    const r = await stack.curl('/readme-bomb', { method: 'PUT', headers: { ...json, ...alice.auth }, data: JSON.stringify(sent) });
    assert.equal(r.status, 201, r.body);
    assert.equal(await stack.sql("SELECT LENGTH(readme) FROM versions WHERE version = '1.0.0' AND package_id = (SELECT id FROM packages WHERE name = 'readme-bomb')"), String(64 * 1024));
    assert.equal(await stack.sql("SELECT COALESCE(LENGTH(readme_html), -1) FROM versions WHERE package_id = (SELECT id FROM packages WHERE name = 'readme-bomb')"), '0', 'over the budget: no HTML');
    const page = await stack.curl('/readme-bomb', { headers: html });
    assert.equal(page.status, 200);
    assert.match(page.body, /<pre class="readme-text">&gt;&gt;&gt;/);
    // A normal README is HTML made at publish; the page serves it as stored.
    const ok = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'readme-ok', version: '1.0.0' },
      { readme: '# Title\n\nSome *text*.' }), home: alice.home });
    assert.equal(ok.code, 0, ok.stderr);
    await stack.sql("UPDATE versions SET readme = '# Changed' WHERE package_id = (SELECT id FROM packages WHERE name = 'readme-ok')");
    const shown = await stack.curl('/readme-ok', { headers: html });
    assert.match(shown.body, /<h1>Title<\/h1>/);
    assert.doesNotMatch(shown.body, /Changed/, 'the page serves the stored HTML, it does not render the Markdown');
    const full = body(await stack.curl('/readme-bomb'));
    assert.ok(full.readme.length <= 64 * 1024);
  });

  test('I3, S11: tarballs and static files carry HSTS and Referrer-Policy; package pages vary on Accept', async () => {
    const tgz = await stack.curl('/readme-ok/-/readme-ok-1.0.0.tgz');
    const css = await stack.curl('/-/static/depot.css');
    for (const r of [tgz, css]) {
      assert.equal(r.status, 200);
      assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    assert.match((await stack.curl('/readme-ok', { headers: html })).headers.vary, /Accept/);
  });
});

describe('security review: abuse', () => {
  let stack;
  let alice;
  const from = (n) => ['--interface', `127.0.0.${n}`];
  before(async () => {
    stack = await Stack.start({
      extraConf: ['auth_checks_per_address = 10', 'auth_checks_per_name = 10', 'web_logins_per_address = 4',
        'mails_per_address = 3', 'mails_per_email = 2', 'signups_per_address = 3'].join('\n'),
      env: { DEPOT_NGINX_LOGIN_RATE: '1r/s', DEPOT_NGINX_LOGIN_BURST: '20' },
    });
    alice = await account(stack, 'alice');
    await account(stack, 'bob');
  });
  after(async () => { await stack?.stop(); });

  test('M3: wrong Basic passwords from one address get 429 with Retry-After; others are served', async () => {
    const statuses = [];
    for (let i = 0; i < 14; i++) {
      const r = await stack.curl('/-/whoami', { headers: basic('nosuchuser', `x${i}`), extra: from(2) });
      statuses.push(r.status);
      if (r.status === 429) {
        assert.match(r.headers['retry-after'], /^\d+$/);
        assert.match(body(r).error, /too many password attempts/);
      }
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), ...Array(4).fill(429)]);
    assert.equal((await stack.curl('/-/ping')).status, 200);
    assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'alice-password-1') })).status, 200,
      'the victim, from another address and another name, still logs in');
  });

  test('S12, point 12: an install with _auth costs one password hash, and a changed password ends it at once', async () => {
    // 20 requests with alice's password from 127.0.0.1: over the per-address limit of 10 unless remembered.
    for (let i = 0; i < 20; i++) {
      assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'alice-password-1') })).status, 200, `request ${i}`);
    }
    const change = await stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...basic('alice', 'alice-password-1') }, data: JSON.stringify({ name: 'alice', password: 'alice-password-2' }) });
    assert.equal(change.status, 201, change.body);
    assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'alice-password-1') })).status, 401,
      'the remembered check of the old password died with the change');
    assert.equal((await stack.curl('/-/whoami', { headers: basic('alice', 'alice-password-2') })).status, 200);
  });

  test('M3: nginx limits the login routes per address before the app, with a JSON 429', async () => {
    let limited;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=x&password=y', extra: from(20) });
      if (r.status === 429 && r.headers['retry-after'] === '1') limited = r;
    }
    assert.ok(limited, 'nginx answered 429');
    assert.match(body(limited).error, /too many requests/);
    assert.equal((await stack.curl('/-/ping', { extra: from(20) })).status, 200, 'other routes are not limited');
  });

  test('L4: web logins, mails and sign-ups are limited per address; expired rows are purged', async () => {
    const logins = [];
    for (let i = 0; i < 6; i++) {
      logins.push((await stack.curl('/-/v1/login', { method: 'POST', headers: json, data: '{}', extra: from(7) })).status);
    }
    assert.deepEqual(logins, [200, 200, 200, 200, 429, 429]);
    await stack.sql('UPDATE web_logins SET expires_at = NOW(3) - INTERVAL 1 SECOND');
    assert.equal((await stack.curl('/-/v1/login', { method: 'POST', headers: json, data: '{}', extra: from(8) })).status, 200);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM web_logins'), '1', 'the expired ones are gone');

    const mails = (await stack.mails()).length;
    const toBob = [];
    for (let i = 0; i < 3; i++) {
      toBob.push((await stack.curl('/', { method: 'POST', headers: form, data: 'user=bob%40example.com&reset=1', extra: from(9 + i) })).status);
    }
    assert.deepEqual(toBob, [202, 202, 429], 'two mails per address an hour');
    const fromOne = [];
    for (let i = 0; i < 4; i++) {
      fromOne.push((await stack.curl('/', { method: 'POST', headers: form, data: `user=new${i}%40example.com`, extra: from(12) })).status);
    }
    assert.deepEqual(fromOne, [202, 202, 202, 429], 'three mails per client an hour');
    assert.equal((await stack.mails()).length, mails + 5);

    await stack.sql('UPDATE email_confirmations SET expires_at = NOW(3) - INTERVAL 1 SECOND');
    assert.equal((await stack.curl('/', { method: 'POST', headers: form, data: 'user=late%40example.com', extra: from(13) })).status, 202);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM email_confirmations'), '1');
    await stack.sql("UPDATE tokens SET expires_at = NOW(3) - INTERVAL 2 DAY WHERE kind = 'reset'");
    const resets = Number(await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset'"));
    assert.ok(resets >= 2);
    await stack.curl('/', { method: 'POST', headers: form, data: 'user=alice%40example.com&reset=1', extra: from(14) });
    assert.equal(await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset'"), '1');

    const signups = [];
    for (let i = 0; i < 4; i++) {
      signups.push((await stack.curl(`/-/user/org.couchdb.user:signup${i}`, { method: 'PUT', headers: json,
        data: JSON.stringify({ name: `signup${i}`, password: 'signup-password-1', email: `signup${i}@example.com` }), extra: from(15) })).status);
    }
    assert.deepEqual(signups, [201, 201, 201, 429]);
  });

  test('review of the fixes: whether an address has an account is as limited as the mails', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push((await stack.curl('/', { method: 'POST', headers: form, data: 'user=alice%40example.com', extra: from(40) })).status);
    }
    assert.equal(answers[0], 409);
    assert.equal(answers.at(-1), 429, 'past the mail limits, no answer says whether the account exists');
  });

  test('L4, point 13: JSON bodies are bounded per route: a login body is not a publish body', async () => {
    const big = JSON.stringify({ create: false, pad: 'x'.repeat(1 << 20) });
    for (const p of ['/-/v1/login', '/_session', '/-/user/org.couchdb.user:padded']) {
      const r = await stack.curl(p, { method: p === '/-/user/org.couchdb.user:padded' ? 'PUT' : 'POST', headers: json, data: big, extra: from(16) });
      assert.equal(r.status, 413, p);
      assert.match(body(r).error, /larger than/);
    }
  });

  test('L7: non-ASCII and invalid UTF-8 anywhere is a 4xx or handled, never a 500', async () => {
    const checks = [
      [await stack.curl('/-/whoami', { headers: { authorization: `Basic ${Buffer.from('h\u00e9llo:pw').toString('base64')}` }, extra: from(17) }), 401],
      [await stack.curl('/-/whoami', { headers: { authorization: `Basic ${Buffer.from([0x68, 0xff, 0x3a, 0x70]).toString('base64')}` }, extra: from(17) }), 401],
      [await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=%E2%82%AC&password=x', extra: from(17) }), 401],
      [await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=%ff&password=x', extra: from(17) }), 400],
      [await stack.curl('/-/v1/search?text=caf%C3%A9'), 200],
      [await stack.curl('/-/v1/search?text=caf%ff'), 400],
      [await stack.curl('/?q=caf%C3%A9', { headers: html }), 200],
      [await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST', headers: json, data: '{"caf\u00e9":["1.0.0"],"@\u00e9/x":["1"]}' }), 200],
      [await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST', headers: json, data: Buffer.from('{"caf\xff":["1.0.0"]}', 'latin1') }), 400],
      [await stack.curl('/caf%C3%A9', { headers: html }), 400],
      [await stack.curl('/-/user/org.couchdb.user:caf%C3%A9', { headers: alice.auth }), 400],
      [await stack.curl('/caf%ff/1.0.0'), 400],
      [await stack.curl('/', { method: 'POST', headers: form, data: 'user=caf%C3%A9%40example.com', extra: from(18) }), 202],
    ];
    for (const [r, status] of checks) {
      assert.equal(r.status, status, r.body);
      if (r.headers['content-type'].includes('json')) body(r);  // a JSON answer, not a crash page
    }
    // A manifest string with a byte that is not UTF-8 (the review's 500: "Incorrect string value").
    const manifest = { name: 'utf-pkg', version: '1.0.0', description: 'BAD_BYTE' };
    const text = JSON.stringify(publishBody(manifest, await tarball(stack.dir, manifest)));
    const raw = Buffer.from(text.replaceAll('BAD_BYTE', 'bad \xff'), 'latin1');
    const bad = await stack.curl('/utf-pkg', { method: 'PUT', headers: { ...json, ...bearer((await account(stack, 'carol')).token) }, data: raw });
    assert.equal(bad.status, 400, bad.body);
    assert.ok(!(await stack.log('depot-fcgi.log')).includes('failed:'), 'no request failed with a 500');
  });

  test('I4: a secret in an escaped logout path stays out of the access log', async () => {
    const secret = 'depot_NOT_A_REAL_SECRET_abcdefghijklmnopqrstuvwxyz0';
    await stack.curl(`/%2d/user/token/${secret}`, { method: 'DELETE' });
    await stack.curl(`/-/user/%74oken/${secret}`, { method: 'DELETE' });
    await sleep(300);
    const log = await stack.log('access.log');
    assert.ok(!log.includes(secret), 'the secret is not in the access log');
    assert.ok(!(await stack.log('depot-fcgi.log')).includes(secret));
  });
});

describe('security review: one account name under attack', () => {
  let stack;
  const at = (n) => ['--interface', `127.0.0.${n}`];
  before(async () => {
    // No remembered checks here: every login below hashes and meets the limits.
    stack = await Stack.start({ extraConf: 'auth_cache_seconds = 0\nauth_checks_per_name = 10' });
  });
  after(async () => { await stack?.stop(); });

  test('M3: wrong passwords for one name, from many addresses, close it to new addresses but not to known ones', async () => {
    const dan = await account(stack, 'dan');
    assert.equal((await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=dan&password=dan-password-1', extra: at(30) })).status, 200,
      'dan logs in from his own machine once');
    const statuses = [];
    for (const n of [3, 4, 5, 6]) {
      for (let i = 0; i < 3; i++) statuses.push((await stack.curl('/-/whoami', { headers: basic('dan', `wrong-${n}-${i}`), extra: at(n) })).status);
    }
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(statuses.filter((s) => s === 401).length <= 10, statuses.join(','));
    // The attacker cannot lock dan out: his machine still logs in; a new address waits a minute.
    const known = await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=dan&password=dan-password-1', extra: at(30) });
    assert.equal(known.status, 200, known.body);
    assert.equal((await stack.curl('/-/whoami', { headers: dan.auth })).status, 200, 'tokens are never affected');
    const fresh = await stack.curl('/_session', { method: 'POST', headers: form, data: 'name=dan&password=dan-password-1', extra: at(31) });
    assert.equal(fresh.status, 429);
  });

});

describe('security review: timing', () => {
  let stack;
  before(async () => {
    stack = await Stack.start({ extraConf: 'password_iterations = 200000\nauth_cache_seconds = 0' });
    await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('L2: a wrong password costs the same for a known and an unknown name', async () => {
    // The median of several tries: one fast or slow outlier on a busy machine
    // moves neither (the least of them did: 0.66 once in CI). The review saw
    // 2x (two hashes for unknown names), which the bounds still catch.
    const time = async (name) => {
      const r = await sh('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total}', '--cacert', stack.ca,
        '-H', `authorization: Basic ${Buffer.from(`${name}:wrong-password-1`).toString('base64')}`, `${stack.url}/-/whoami`]);
      return Number(r.stdout);
    };
    const known = [];
    const unknown = [];
    for (let i = 0; i < 9; i++) {
      known.push(await time('alice'));
      unknown.push(await time('nosuchuser'));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = median(unknown) / median(known);
    assert.ok(ratio > 1 / 1.6 && ratio < 1.6, `unknown/known = ${ratio.toFixed(2)} (${unknown} vs ${known})`);
  });
});
