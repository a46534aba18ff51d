// Accounts of the original web design (SPEC §3) with `curl -d`: registering
// mails a one-hour link whose page's button creates the account and shows its
// token once; a reset mails a one-hour single-use link whose page's button
// mints a new token and ends every older credential (issue 8, points 2, 3, 16).

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { mailLink } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const html = { accept: 'text/html' };

describe('web accounts: register and reset by email', () => {
  let stack;
  before(async () => { stack = await Stack.start(); });
  after(async () => { await stack?.stop(); });

  const post = (data, headers = {}, base) => stack.curl('/', { method: 'POST', headers: { ...form, ...headers }, data, base });
  const whoami = (token) => stack.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` } });
  const fields = (link, extra = {}) => new URLSearchParams({ ...Object.fromEntries(link.searchParams), ...extra }).toString();
  let firstToken;

  test('POST / user=EMAIL mails a link and creates nothing until its page\'s button is pressed', async () => {
    const r = await post('user=carol%40example.com', html);
    assert.equal(r.status, 202);
    assert.match(r.body, /We sent a link to carol@example\.com/);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM users WHERE email = 'carol@example.com'"), '0');
    assert.doesNotMatch(r.body, /depot_[A-Za-z0-9_-]{20}/, 'no token before the address is proven');
    const link = await mailLink(stack, 'carol@example.com', 'confirm');
    // What `deploy/local mail` prints on a fresh machine: the newest message, its link included.
    const newest = await stack.ctl('mail');
    assert.equal(newest.code, 0, newest.stderr);
    assert.ok(newest.stdout.includes(link.href), newest.stdout);
    const expires = await stack.sql('SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM email_confirmations');
    assert.ok(Math.abs(Number(expires) - 3600) <= 1, expires);

    // A mail scanner follows the link: a page with a button, nothing changes.
    const page = await stack.curl(link.pathname + link.search, { headers: html });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/-confirm"/);
    assert.match(page.headers['cache-control'], /no-store/);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM users WHERE email = 'carol@example.com'"), '0');

    const made = await stack.curl('/-confirm', { method: 'POST', headers: { ...form, ...html }, data: fields(link) });
    assert.equal(made.status, 201);
    assert.match(made.headers['cache-control'], /no-store/);
    firstToken = (made.body.match(/<code id="token">(depot_[A-Za-z0-9_-]+)<\/code>/) || [])[1];
    assert.ok(firstToken, made.body);
    assert.match(made.body, /shown only this once/);
    assert.deepEqual(JSON.parse((await whoami(firstToken)).body), { username: 'carol@example.com' });
    const again = await stack.curl('/-confirm', { method: 'POST', headers: form, data: fields(link) });
    assert.equal(again.status, 403, 'the link works once');
  });

  test('the same email again points to the reset: a link for browsers, the form for curl', async () => {
    const users = await stack.sql('SELECT COUNT(*) FROM users');
    const r = await post('user=CAROL%40example.com', html);
    assert.equal(r.status, 409);
    assert.match(r.body, /href="\/#reset"/);
    const json = await post('user=CAROL%40example.com');
    assert.equal(json.status, 409);
    const body = JSON.parse(json.body);
    assert.match(body.error, /exists already/);
    assert.deepEqual(body.reset, { url: `${stack.url}/`, method: 'POST', fields: { user: 'CAROL@example.com', reset: '1' } });
    assert.equal(await stack.sql('SELECT COUNT(*) FROM users'), users);
  });

  test('malformed emails are refused with 400', async () => {
    for (const bad of ['not-an-email', 'a%40b', '%40example.com', 'a%20b%40example.com', '', 'caf%C3%A9%ff%40x.example']) {
      const r = await post(`user=${bad}`);
      assert.equal(r.status, 400, bad);
    }
    assert.equal((await post('nothing=here')).status, 400);
  });

  test('writes over plain HTTP are refused and change nothing', async () => {
    const mails = (await stack.mails()).length;
    const r = await post('user=http%40example.com', html, stack.httpUrl);
    assert.equal(r.status, 403);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.equal((await stack.mails()).length, mails);
  });

  test('reset of an unknown email is an error page with a link to register; no mail', async () => {
    const mails = (await stack.mails()).length;
    const r = await post('user=nobody%40example.com&reset=1', html);
    assert.equal(r.status, 404);
    assert.match(r.body, /href="\/#register"/);
    assert.equal((await stack.mails()).length, mails);
  });

  let link;
  test('reset mails a one-hour link; its page changes nothing; its button mints a new token and ends the old ones', async () => {
    const r = await post('user=carol%40example.com&reset=1', html);
    assert.equal(r.status, 202);
    link = await mailLink(stack, 'carol@example.com', 'reset');
    const mail = (await stack.mails()).at(-1);
    assert.match(mail, /^To: carol@example\.com$/m);
    assert.match(mail, /^From: depot@test\.example$/m);
    const expires = await stack.sql("SELECT TIMESTAMPDIFF(SECOND, created_at, expires_at) FROM tokens WHERE kind = 'reset'");
    assert.ok(Math.abs(Number(expires) - 3600) <= 1, expires);

    const page = await stack.curl(link.pathname + link.search, { headers: html });
    assert.equal(page.status, 200);
    assert.match(page.body, /<form method="post" action="\/-reset"/);
    assert.match(page.body, /name="keep_project_tokens"/);
    assert.equal((await whoami(firstToken)).status, 200, 'following the link (a mail scanner) changes nothing');

    const done = await stack.curl('/-reset', { method: 'POST', headers: { ...form, ...html }, data: fields(link) });
    assert.equal(done.status, 200);
    const fresh = done.body.match(/<code id="token">(depot_[A-Za-z0-9_-]+)<\/code>/)[1];
    assert.equal((await whoami(fresh)).status, 200);
    assert.equal((await whoami(firstToken)).status, 401, 'the old token stopped working');
  });

  test('a used, wrong, foreign or expired reset token is refused', async () => {
    const used = await stack.curl('/-reset', { method: 'POST', headers: form, data: fields(link) });
    assert.equal(used.status, 403);
    const rt = link.searchParams.get('rt');
    assert.equal((await post('user=dan%40example.com')).status, 202);
    const confirm = await mailLink(stack, 'dan@example.com', 'confirm');
    assert.equal((await stack.curl('/-confirm', { method: 'POST', headers: form, data: fields(confirm) })).status, 201);
    await post('user=dan%40example.com&reset=1');
    const danLink = await mailLink(stack, 'dan@example.com', 'reset');
    const danRt = danLink.searchParams.get('rt');
    const foreign = await stack.curl('/-reset', { method: 'POST', headers: form,
      data: `rt=${encodeURIComponent(danRt)}&user=carol%40example.com` });
    assert.equal(foreign.status, 403, 'a reset token with another user\'s email');
    const wrong = await stack.curl('/-reset', { method: 'POST', headers: form, data: `rt=${encodeURIComponent(`${rt}x`)}&user=carol%40example.com` });
    assert.equal(wrong.status, 403);
    await stack.sql("UPDATE tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE kind = 'reset'");
    const expired = await stack.curl('/-reset', { method: 'POST', headers: form, data: fields(danLink) });
    assert.equal(expired.status, 403);
    const expiredPage = await stack.curl(danLink.pathname + danLink.search, { headers: html });
    assert.equal(expiredPage.status, 403);
  });

  test('a mail that cannot be sent is an error page, not a silent success', async () => {
    await writeFile(path.join(stack.dir, 'mail', 'FAIL'), '');
    const before1 = await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND revoked_at IS NULL");
    const r = await post('user=dan%40example.com&reset=1', html);
    assert.equal(r.status, 503);
    assert.match(r.body, /could not be sent/);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM tokens WHERE kind = 'reset' AND revoked_at IS NULL"), before1);
    const pending = await stack.sql('SELECT COUNT(*) FROM email_confirmations');
    assert.equal((await post('user=erin2%40example.com')).status, 503);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM email_confirmations'), pending, 'no registration left without its mail');
    await rm(path.join(stack.dir, 'mail', 'FAIL'));
  });

  test('an account made by npm adduser can use the web reset, which sets a new password', async () => {
    const made = await stack.curl('/-/user/org.couchdb.user:erin', { method: 'PUT', headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'erin', password: 'erin-password-1', email: 'erin@example.com' }) });
    assert.equal(made.status, 201);
    assert.equal((await post('user=erin%40example.com&reset=1')).status, 202);
    const erinLink = await mailLink(stack, 'erin@example.com', 'reset');
    const r = await stack.curl('/-reset', { method: 'POST', headers: form, data: fields(erinLink, { password: 'erin-password-2' }) });
    assert.equal(r.status, 200, r.body);
    const { token, name } = JSON.parse(r.body);
    assert.equal(name, 'erin');
    assert.deepEqual(JSON.parse((await whoami(token)).body), { username: 'erin' });
    const basic = (pw) => stack.curl('/-/whoami', { headers: { authorization: `Basic ${Buffer.from(`erin:${pw}`).toString('base64')}` } });
    assert.equal((await basic('erin-password-1')).status, 401, 'the old password died with the reset');
    assert.equal((await basic('erin-password-2')).status, 200);
  });
});
