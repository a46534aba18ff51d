// Accounts of the original web design (issue 5, points 2, 3 and 7) with
// `curl -d` as SPEC §3 describes: register by email, the token shown once,
// reset by a mailed one-hour single-use link that revokes older tokens.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Stack } from '../lib/stack.mjs';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const html = { accept: 'text/html' };

describe('web accounts: register and reset by email', () => {
  let stack;
  before(async () => { stack = await Stack.start({ mail: true, extraConf: 'password_iterations = 1000' }); });
  after(async () => { await stack?.stop(); });

  const post = (data, headers = {}, base) => stack.curl('/', { method: 'POST', headers: { ...form, ...headers }, data, base });
  const whoami = (token) => stack.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
  let firstToken;

  test('POST / user=EMAIL creates an account and shows its user token once', async () => {
    const r = await post('user=carol%40example.com', html);
    assert.equal(r.status, 201);
    assert.match(r.headers['cache-control'], /no-store/);
    firstToken = (r.body.match(/<code id="token">(depot_[A-Za-z0-9_-]+)<\/code>/) || [])[1];
    assert.ok(firstToken, r.body);
    assert.match(r.body, /shown only this once/);
    assert.equal((await whoami(firstToken)).status, 200);
    assert.deepEqual(JSON.parse((await whoami(firstToken)).body), { username: 'carol@example.com' });
    const json = await post('user=dan%40example.com');
    assert.equal(json.status, 201);
    assert.match(JSON.parse(json.body).token, /^depot_/);
  });

  test('the same email again is an error page with a link to reset; nothing is created', async () => {
    const before1 = await stack.sql('SELECT COUNT(*) FROM users');
    const r = await post('user=CAROL%40example.com', html);
    assert.equal(r.status, 409);
    assert.match(r.body, /href="\/#reset"/);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM users'), before1);
  });

  test('malformed emails are refused with 400', async () => {
    for (const bad of ['not-an-email', 'a%40b', '%40example.com', 'a%20b%40example.com', '']) {
      const r = await post(`user=${bad}`);
      assert.equal(r.status, 400, bad);
    }
    assert.equal((await post('nothing=here')).status, 400);
  });

  test('writes over plain HTTP are refused and change nothing', async () => {
    const before1 = await stack.sql('SELECT COUNT(*) FROM users');
    const r = await post('user=http%40example.com', html, stack.httpUrl);
    assert.equal(r.status, 403);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM users'), before1);
  });

  test('reset of an unknown email is an error page with a link to register; no mail', async () => {
    const r = await post('user=nobody%40example.com&reset=1', html);
    assert.equal(r.status, 404);
    assert.match(r.body, /href="\/#register"/);
    assert.equal((await stack.mails()).length, 0);
  });

  let link;
  test('reset mails a one-hour link; following it mints a new token and revokes the old ones', async () => {
    const r = await post('user=carol%40example.com&reset=1', html);
    assert.equal(r.status, 202);
    const mails = await stack.mails();
    assert.equal(mails.length, 1);
    assert.match(mails[0], /^To: carol@example\.com$/m);
    assert.match(mails[0], /^From: depot@test\.example$/m);
    link = (mails[0].match(/(https:\/\/\S+\/-reset\?rt=\S+)/) || [])[1];
    assert.ok(link, mails[0]);
    const expires = await stack.sql("SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM tokens WHERE kind = 'reset'");
    assert.ok(Math.abs(Number(expires) - 3600) <= 1, expires);

    const page = await stack.curl(link.slice(stack.url.length), { headers: html });
    assert.equal(page.status, 200);
    const fresh = page.body.match(/<code id="token">(depot_[A-Za-z0-9_-]+)<\/code>/)[1];
    assert.equal((await whoami(fresh)).status, 200);
    assert.equal((await whoami(firstToken)).status, 401, 'the old token stopped working');
  });

  test('a used, wrong, foreign or expired reset token is refused', async () => {
    const used = await stack.curl(link.slice(stack.url.length), { headers: html });
    assert.equal(used.status, 403);
    const url = new URL(link);
    const rt = url.searchParams.get('rt');
    await post('user=dan%40example.com&reset=1');
    const danLink = (await stack.mails()).at(-1).match(/(https:\/\/\S+\/-reset\?rt=\S+)/)[1];
    const danRt = new URL(danLink).searchParams.get('rt');
    const foreign = await stack.curl(`/-reset?rt=${encodeURIComponent(danRt)}&user=carol%40example.com`);
    assert.equal(foreign.status, 403, 'a reset token with another user\'s email');
    const wrong = await stack.curl(`/-reset?rt=${encodeURIComponent(`${rt}x`)}&user=carol%40example.com`);
    assert.equal(wrong.status, 403);
    await stack.sql("UPDATE tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE kind = 'reset'");
    const expired = await stack.curl(danLink.slice(stack.url.length));
    assert.equal(expired.status, 403);
  });

  test('a mail that cannot be sent is an error page, not a silent success', async () => {
    await writeFile(path.join(stack.dir, 'mail', 'FAIL'), '');
    const before1 = await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND revoked_at IS NULL");
    const r = await post('user=dan%40example.com&reset=1', html);
    assert.equal(r.status, 503);
    assert.match(r.body, /could not be sent/);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND revoked_at IS NULL"), before1);
  });

  test('an account made by npm adduser can use the web reset', async () => {
    const made = await stack.curl('/-/user/org.couchdb.user:erin', { method: 'PUT', headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'erin', password: 'erin-password-1', email: 'erin@example.com' }) });
    assert.equal(made.status, 201);
    await (await import('node:fs/promises')).rm(path.join(stack.dir, 'mail', 'FAIL'));
    assert.equal((await post('user=erin%40example.com&reset=1')).status, 202);
    const erinLink = (await stack.mails()).at(-1).match(/(https:\/\/\S+\/-reset\?rt=\S+)/)[1];
    const r = await stack.curl(erinLink.slice(stack.url.length));
    const token = JSON.parse(r.body).token;
    assert.deepEqual(JSON.parse((await whoami(token)).body), { username: 'erin' });
  });
});
