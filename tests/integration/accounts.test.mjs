// npm core, accounts (issue 3, points 1–4): adduser and login with the real
// npm CLI, the CouchDB flow over raw HTTP, web login, whoami, logout, tokens.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { mailLink } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';

const prompts = (name, password, email) => [
  [/Username:/, name],
  [/Password:/, password],
  ...(email ? [[/Email/, email]] : []),
];
const tokenIn = (npmrc) => (npmrc.match(/:_authToken=(\S+)/) || [])[1];
const basic = (name, pw) => `Basic ${Buffer.from(`${name}:${pw}`).toString('base64')}`;

describe('accounts and tokens with the real npm CLI', () => {
  let stack;
  before(async () => { stack = await Stack.start(); });
  after(async () => { await stack?.stop(); });

  test('npm adduser creates an account and its token lands in the npmrc', async () => {
    const r = await stack.npmInteractive(['adduser', '--auth-type=legacy'],
      { answers: prompts('alice', 'alice-password-1', 'alice@example.com'), home: 'alice' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Logged in on/);
    const token = tokenIn(await stack.npmrc('alice'));
    assert.match(token, /^depot_[A-Za-z0-9_-]{43}$/);
    const who = await stack.npm(['whoami'], { home: 'alice' });
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout.trim(), 'alice');
  });

  test('passwords and tokens are stored only as hashes', async () => {
    const hash = await stack.sql("SELECT password_hash FROM users WHERE name = 'alice'");
    assert.match(hash, /^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!hash.includes('alice-password-1'));
    const token = tokenIn(await stack.npmrc('alice'));
    const stored = await stack.sql('SELECT token_hash FROM tokens');
    assert.ok(!stored.includes(token));
    assert.ok(stored.split('\n').includes(createHash('sha256').update(token).digest('hex')));
  });

  test('npm login --auth-type=legacy logs an existing user in with a new token', async () => {
    const r = await stack.npmInteractive(['login', '--auth-type=legacy'],
      { answers: prompts('alice', 'alice-password-1'), home: 'alice2' });
    assert.equal(r.code, 0, r.output);
    const token = tokenIn(await stack.npmrc('alice2'));
    assert.ok(token);
    assert.notEqual(token, tokenIn(await stack.npmrc('alice')));
  });

  test('a wrong password is a 401 with WWW-Authenticate: Basic, and npm says so', async () => {
    const r = await stack.npmInteractive(['login', '--auth-type=legacy'],
      { answers: prompts('alice', 'not-the-password'), home: 'wrong' });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /Incorrect or missing password/);
    assert.equal(tokenIn(await stack.npmrc('wrong')), undefined);
    const raw = await stack.curl('/-/user/org.couchdb.user:alice', { method: 'PUT',
      headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'alice', password: 'not-the-password' }) });
    assert.equal(raw.status, 401);
    assert.equal(raw.headers['www-authenticate'], 'Basic');
  });

  test('the CouchDB flow works exactly, and a legacy account is rehashed on first use', async () => {
    const salt = 'c0ffee';
    const password = 'couch-password-1';
    const doc = { _id: 'org.couchdb.user:carol', name: 'carol', email: 'carol@example.com', type: 'user',
      roles: [], salt, password_sha: createHash('sha1').update(password + salt).digest('hex') };
    const put = (d, extra = {}) => stack.curl('/-/user/org.couchdb.user:carol', { method: 'PUT',
      headers: { 'content-type': 'application/json', ...extra }, data: JSON.stringify(d) });

    const created = await put(doc);
    assert.equal(created.status, 201, created.body);
    const c = JSON.parse(created.body);
    assert.equal(c.ok, true);
    assert.equal(c.id, 'org.couchdb.user:carol');
    assert.match(c.rev, /^1-/);

    const again = await put(doc);
    assert.equal(again.status, 409);
    assert.deepEqual(JSON.parse(again.body), { error: 'conflict', reason: 'Document update conflict.' });

    const got = await stack.curl('/-/user/org.couchdb.user:carol', { headers: { authorization: basic('carol', password) } });
    assert.equal(got.status, 200, got.body);
    const g = JSON.parse(got.body);
    assert.equal(g._rev, c.rev);
    assert.equal(g.name, 'carol');
    assert.equal(g.email, 'carol@example.com');
    for (const secret of ['password', 'password_sha', 'salt', 'password_hash', 'derived_key']) {
      assert.ok(!(secret in g), secret);
    }
    assert.ok(!got.body.includes(doc.password_sha));
    // Basic auth verified the legacy hash, so the account now has the slow hash.
    assert.equal(await stack.sql("SELECT legacy_sha IS NULL AND password_hash LIKE 'pbkdf2-sha256$%' FROM users WHERE name = 'carol'"), '1');

    const session = await stack.curl('/_session', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: `name=carol&password=${password}` });
    assert.equal(session.status, 200, session.body);
    assert.deepEqual(JSON.parse(session.body), { ok: true, name: 'carol', roles: [] });
    const cookie = session.headers['set-cookie'];
    assert.match(cookie, /^AuthSession=depot_[^;]+;/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /Max-Age=\d+/);
    const authSession = cookie.split(';')[0];

    const rev = JSON.parse((await stack.curl('/-/user/org.couchdb.user:carol',
      { headers: { cookie: authSession } })).body)._rev;
    const updated = await stack.curl(`/-/user/org.couchdb.user:carol/-rev/${rev}`, { method: 'PUT',
      headers: { 'content-type': 'application/json', cookie: authSession },
      data: JSON.stringify({ ...g, email: 'carol@new.example.com' }) });
    assert.equal(updated.status, 201, updated.body);
    // A new email counts once the link mailed to it is confirmed (issue 8).
    assert.notEqual(await stack.sql("SELECT email FROM users WHERE name = 'carol'"), 'carol@new.example.com');
    const link = await mailLink(stack, 'carol@new.example.com', 'confirm');
    const confirmed = await stack.curl('/-confirm', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams(Object.fromEntries(link.searchParams)).toString() });
    assert.equal(confirmed.status, 200, confirmed.body);
    const newRev = JSON.parse((await stack.curl('/-/user/org.couchdb.user:carol', { headers: { cookie: authSession } })).body)._rev;
    assert.notEqual(newRev, rev);
    const stale = await stack.curl(`/-/user/org.couchdb.user:carol/-rev/${rev}`, { method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: basic('carol', password) },
      data: JSON.stringify({ ...g, email: 'carol@stale.example.com' }) });
    assert.equal(stale.status, 409);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'carol'"), 'carol@new.example.com');

    const badSession = await stack.curl('/_session', { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'name=carol&password=nope' });
    assert.equal(badSession.status, 401);
  });

  test('npm login with web auth: the page signs in, the CLI polls and gets a token', async () => {
    let loginUrl;
    const run = stack.npmInteractive(['login'], { home: 'web', onOutput: (out) => {
      loginUrl ??= (out.match(/(https:\/\/127\.0\.0\.1:\d+\/-\/v1\/login\/[A-Za-z0-9_-]+)/) || [])[1];
    } });
    for (let i = 0; i < 100 && !loginUrl; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(loginUrl, 'npm printed the login URL');
    const path = loginUrl.slice(stack.url.length);
    const page = await stack.curl(path, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post"/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    // Where and when the login started, so a person can tell theirs from a phisher's (review L5).
    assert.match(page.body, /<code>127\.0\.0\.1<\/code>/);
    assert.match(page.body, /<code>npm\/11\.[^<]*<\/code>/);
    assert.match(page.body, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d UTC/);
    const unconfirmed = await stack.curl(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: 'name=alice&password=alice-password-1' });
    assert.equal(unconfirmed.status, 400, 'the person must say the login is theirs');
    const wrong = await stack.curl(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: 'name=alice&password=wrong-password&mine=yes' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /incorrect user name or password/);
    const ok = await stack.curl(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: 'name=alice&password=alice-password-1&mine=yes' });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /logged in as <strong>alice<\/strong>/);
    const r = await run;
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Logged in on/);
    const who = await stack.npm(['whoami'], { home: 'web' });
    assert.equal(who.stdout.trim(), 'alice');
  });

  test('the web login doneUrl answers 202 with JSON and Retry-After, then the token once', async () => {
    const start = await stack.curl('/-/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, data: '{}' });
    assert.equal(start.status, 200);
    const { loginUrl, doneUrl } = JSON.parse(start.body);
    assert.ok(loginUrl.startsWith(`${stack.url}/-/v1/login/`));
    assert.ok(doneUrl.startsWith(`${stack.url}/-/v1/done/`));
    const done = doneUrl.slice(stack.url.length);
    const pending = await stack.curl(done);
    assert.equal(pending.status, 202);
    assert.equal(pending.headers['retry-after'], '1');
    assert.deepEqual(JSON.parse(pending.body), {});
    await stack.curl(loginUrl.slice(stack.url.length), { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'name=alice&password=alice-password-1&mine=yes' });
    const got = await stack.curl(done);
    assert.equal(got.status, 200);
    assert.match(JSON.parse(got.body).token, /^depot_/);
    assert.equal((await stack.curl(done)).status, 404);
  });

  test('a web login expires after a few minutes', async () => {
    const { loginUrl, doneUrl } = JSON.parse((await stack.curl('/-/v1/login', { method: 'POST', headers: { 'content-type': 'application/json' }, data: '{}' })).body);
    const expires = await stack.sql('SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM web_logins ORDER BY id DESC LIMIT 1');
    assert.ok(Number(expires) > 0 && Number(expires) <= 900, expires);
    await stack.sql('UPDATE web_logins SET expires_at = NOW(3) - INTERVAL 1 SECOND');
    assert.equal((await stack.curl(doneUrl.slice(stack.url.length))).status, 404);
    const page = await stack.curl(loginUrl.slice(stack.url.length), { headers: { accept: 'text/html' } });
    assert.equal(page.status, 404);
    assert.match(page.body, /expired/);
  });

  test('web adduser creates the account from the page', async () => {
    const start = JSON.parse((await stack.curl('/-/v1/login', { method: 'POST',
      headers: { 'content-type': 'application/json' }, data: '{"create":true}' })).body);
    const path = start.loginUrl.slice(stack.url.length);
    assert.match((await stack.curl(path)).body, /name="email"/);
    const made = await stack.curl(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: 'name=dave&password=dave-password-1&email=dave%40example.com&mine=yes' });
    assert.equal(made.status, 200, made.body);
    const token = JSON.parse((await stack.curl(start.doneUrl.slice(stack.url.length))).body).token;
    const who = await stack.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(JSON.parse(who.body), { username: 'dave' });
  });

  test('whoami with a bad token is a 401 with WWW-Authenticate: Bearer', async () => {
    const r = await stack.curl('/-/whoami', { headers: { authorization: 'Bearer depot_not-a-real-token' } });
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer');
    for (const garbage of ['Bearer', 'Bearer ', 'Token abc', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64')]) {
      const g = await stack.curl('/-/whoami', { headers: { authorization: garbage } });
      assert.equal(g.status, 401, garbage);
      assert.equal(typeof JSON.parse(g.body).error, 'string');
    }
    assert.equal((await stack.curl('/-/whoami')).status, 401);
  });

  test('npm logout revokes the token, and logging out a dead token still succeeds', async () => {
    await stack.npmInteractive(['login', '--auth-type=legacy'], { answers: prompts('alice', 'alice-password-1'), home: 'bye' });
    const token = tokenIn(await stack.npmrc('bye'));
    assert.ok(token);
    const r = await stack.npm(['logout'], { home: 'bye' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tokenIn(await stack.npmrc('bye')), undefined);
    const dead = await stack.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(dead.status, 401);
    const again = await stack.curl(`/-/user/token/${encodeURIComponent(token)}`, { method: 'DELETE',
      headers: { authorization: `Bearer ${token}` } });
    assert.equal(again.status, 200);
  });

  test('npm token create, list and revoke; read-only tokens cannot write', async () => {
    const home = 'alice';
    const created = await stack.npm(['token', 'create', '--password=alice-password-1', '--name=ci',
      '--packages-and-scopes-permission=read-only'], { home });
    assert.equal(created.code, 0, created.stderr);
    const ro = (created.stdout.match(/Created token (\S+)/) || [])[1];
    assert.match(ro, /^depot_/);

    const list = await stack.npm(['token', 'list', '--json'], { home });
    assert.equal(list.code, 0, list.stderr);
    const tokens = JSON.parse(list.stdout);
    const mine = tokens.find((t) => ro.startsWith(t.token));
    assert.ok(mine, 'the new token is listed by its prefix');
    assert.equal(mine.readonly, true);
    assert.equal(mine.name, 'ci');
    assert.match(mine.created, /^\d{4}-\d\d-\d\dT/);
    assert.ok(tokens.every((t) => t.token.length < 20), 'lists never show whole tokens');

    const raw = await stack.curl('/-/npm/v1/tokens', { headers: { authorization: `Bearer ${tokenIn(await stack.npmrc(home))}` } });
    assert.deepEqual(JSON.parse(raw.body).urls, { next: null });
    assert.equal(raw.headers['cache-control'], 'no-store');

    const write = await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${ro}`,
      'content-type': 'application/json' }, data: JSON.stringify({ password: 'alice-password-1' }) });
    assert.equal(write.status, 403);
    assert.match(JSON.parse(write.body).error, /read-only/);

    const wrongPw = await stack.npm(['token', 'create', '--password=nope'], { home });
    assert.notEqual(wrongPw.code, 0);

    const revoke = await stack.npm(['token', 'revoke', mine.key], { home });
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /Removed 1 token/);
    assert.equal((await stack.curl('/-/whoami', { headers: { authorization: `Bearer ${ro}` } })).status, 401);
  });

  test('a CIDR-limited token works only from its addresses', async () => {
    const home = 'alice';
    const here = await stack.npm(['token', 'create', '--password=alice-password-1', '--cidr=127.0.0.0/8'], { home });
    assert.equal(here.code, 0, here.stderr);
    const local = here.stdout.match(/Created token (\S+)/)[1];
    assert.match(here.stdout, /with IP whitelist: 127\.0\.0\.0\/8/);
    const ok = await stack.curl('/-/whoami', { headers: { authorization: `Bearer ${local}` } });
    assert.equal(ok.status, 200);

    const away = await stack.npm(['token', 'create', '--password=alice-password-1', '--cidr=192.0.2.0/24'], { home });
    const remote = away.stdout.match(/Created token (\S+)/)[1];
    const refused = await stack.curl('/-/whoami', { headers: { authorization: `Bearer ${remote}` } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers['www-authenticate'], /ipaddress/);

    const bad = await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: {
      authorization: `Bearer ${tokenIn(await stack.npmrc(home))}`, 'content-type': 'application/json' },
    data: JSON.stringify({ password: 'alice-password-1', cidr_whitelist: ['not-a-cidr'] }) });
    assert.equal(bad.status, 400);
  });

  test('invalid or too long user names and emails are refused with 400 and nothing stored', async () => {
    const before = await stack.sql('SELECT COUNT(*) FROM users');
    const cases = [
      ['UPPER', 'upper@example.com'], ['.dot', 'dot@example.com'], ['a b', 'ab@example.com'],
      ['x'.repeat(215), 'long@example.com'], ['okname', 'not-an-email'], ['okname2', `${'a'.repeat(250)}@example.com`],
      ['okname3', 'two@@example.com'], ['okname4', 'sp ace@example.com'],
    ];
    for (const [name, email] of cases) {
      const r = await stack.curl(`/-/user/org.couchdb.user:${encodeURIComponent(name)}`, { method: 'PUT',
        headers: { 'content-type': 'application/json' },
        data: JSON.stringify({ name, email, password: 'password-123', type: 'user' }) });
      assert.equal(r.status, 400, `${name} ${email}: ${r.body}`);
      assert.equal(typeof JSON.parse(r.body).error, 'string');
    }
    const short = await stack.curl('/-/user/org.couchdb.user:shorty', { method: 'PUT',
      headers: { 'content-type': 'application/json' }, data: JSON.stringify({ name: 'shorty', email: 's@example.com', password: 'short' }) });
    assert.equal(short.status, 400);
    const malformed = await stack.curl('/-/user/org.couchdb.user:mal', { method: 'PUT',
      headers: { 'content-type': 'application/json' }, data: '{"name": "mal", ' });
    assert.equal(malformed.status, 400);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM users'), before);
  });
});
