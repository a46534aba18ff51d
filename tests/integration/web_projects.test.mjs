// Projects and channels of the original web design (issue 5, points 4, 5
// and 8) with `curl -d` as SPEC §3 describes: create a project with a user
// token, manage it with the project token, move stable/test, set nightly,
// follow the channels, and the CSRF and cookie rules of the forms.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { makePackage, webAccount } from '../lib/packages.mjs';
import { sh, Stack } from '../lib/stack.mjs';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const html = { accept: 'text/html' };

describe('projects and channels', () => {
  let stack;
  let ut;
  let pt;
  let cookie;

  before(async () => {
    stack = await Stack.start();
    ut = (await webAccount(stack, 'owner@example.com', { name: 'owner', password: 'owner-password-1' })).token;
  });
  after(async () => { await stack?.stop(); });

  const bearer = (t) => ({ authorization: `Bearer ${t}` });

  test('POST /NAME create makes the project and answers 303 to ?pt= over HTTPS', async () => {
    const r = await stack.curl('/proj-one', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'create' });
    assert.equal(r.status, 303);
    const location = new URL(r.headers.location);
    assert.equal(location.origin, stack.url);
    assert.equal(location.pathname, '/proj-one');
    pt = location.searchParams.get('pt');
    assert.match(pt, /^depot_/);
    const again = await stack.curl('/proj-one', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'create' });
    assert.equal(again.status, 409);
    const invalid = await stack.curl('/Bad_Name', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'create' });
    assert.equal(invalid.status, 400);
    const fromHome = await stack.curl('/', { method: 'POST', headers: form, data: `create=proj-two&ut=${encodeURIComponent(ut)}` });
    assert.equal(fromHome.status, 303);
    assert.match(fromHome.headers.location, /\/proj-two\?pt=depot_/);
  });

  test('a token in the URL becomes a Secure HttpOnly SameSite cookie through the page\'s button', async () => {
    const r = await stack.curl(`/proj-one?pt=${encodeURIComponent(pt)}`, { headers: html });
    assert.equal(r.status, 200, 'an interstitial page, never a silent cookie (issue 8, point 5)');
    assert.match(r.headers['set-cookie'], /^depot_switch=[A-Za-z0-9_-]+; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
    assert.match(r.body, /action="\/proj-one\/-\/session"/);
    const switchCookie = r.headers['set-cookie'].split(';')[0];
    const csrf = r.body.match(/name="csrf" value="([^"]+)"/)[1];
    const button = await stack.curl('/proj-one/-/session', { method: 'POST', headers: { ...form, ...html, cookie: switchCookie },
      data: `token=${encodeURIComponent(pt)}&csrf=${encodeURIComponent(csrf)}` });
    assert.equal(button.status, 303, button.body);
    assert.equal(button.headers.location, `${stack.url}/proj-one`);
    assert.match(button.headers['set-cookie'], /depot_token=depot_[^;]+; Path=\/; Secure; HttpOnly; SameSite=Strict/);
    cookie = button.headers['set-cookie'].match(/depot_token=[^;]+/)[0];
    const page = await stack.curl('/proj-one', { headers: { ...html, cookie } });
    assert.equal(page.status, 200);
    assert.match(page.body, /No versions yet/);
    assert.match(page.body, /action="\/proj-one\/stable"/);
    assert.match(page.body, /name="csrf" value="[0-9a-f]{32}"/);
    const stranger = await stack.curl('/proj-one', { headers: html });
    assert.doesNotMatch(stranger.body, /name="csrf"/);
    const wrong = await stack.curl('/proj-one?pt=depot_wrong', { headers: html });
    assert.equal(wrong.status, 403);
    assert.match(wrong.headers['content-type'], /^text\/html/);
    const otherProject = await stack.curl(`/proj-two?pt=${encodeURIComponent(pt)}`, { headers: html });
    assert.equal(otherProject.status, 403, 'a project token works for its own project only');
  });

  test('the project token publishes that package with npm, and no other', async () => {
    const home = path.join(stack.dir, 'pt-home');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${pt}\n`);
    for (const v of ['1.0.0', '1.1.0']) {
      const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'proj-one', version: v }), home: 'pt-home' });
      assert.equal(r.code, 0, r.stderr);
    }
    const other = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'proj-two', version: '1.0.0' }), home: 'pt-home' });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /E403/);
  });

  test('stable and test move with curl -d; GETs follow them to the tarball', async () => {
    const stable = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'v1.0.0' });
    assert.equal(stable.status, 200, stable.body);
    const testTag = await stack.curl('/proj-one/test', { method: 'POST', headers: form, data: `version=v1.1.0&pt=${encodeURIComponent(pt)}` });
    assert.equal(testTag.status, 200, testTag.body);
    const doc = JSON.parse((await stack.curl('/proj-one', { headers: { accept: 'application/json' } })).body);
    assert.equal(doc['dist-tags'].stable, '1.0.0');
    assert.equal(doc['dist-tags'].test, '1.1.0');

    const s = await stack.curl('/proj-one/stable');
    assert.equal(s.status, 302);
    assert.equal(s.headers.location, `${stack.url}/proj-one/-/proj-one-1.0.0.tgz`);
    const t = await stack.curl('/proj-one/test');
    assert.equal(t.headers.location, `${stack.url}/proj-one/-/proj-one-1.1.0.tgz`);
    const pinned = await stack.curl('/proj-one/v1.1.0');
    assert.equal(pinned.status, 301);
    assert.equal(pinned.headers.location, `${stack.url}/proj-one/-/proj-one-1.1.0.tgz`);
    const download = await sh('curl', ['-sS', '-L', '--cacert', stack.ca, '-o', path.join(stack.dir, 'stable.tgz'),
      '-w', '%{http_code} %{content_type}', `${stack.url}/proj-one/stable`]);
    assert.equal(download.stdout, '200 application/octet-stream');
    assert.equal((await stack.curl('/proj-one/1.1.0')).status, 200, 'npm\'s version manifest path still answers JSON');
  });

  test('unknown versions, bad tag bodies and strangers are refused and change nothing', async () => {
    const unknown = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'v9.9.9' });
    assert.equal(unknown.status, 404);
    const notVersion = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'banana' });
    assert.equal(notVersion.status, 400);
    const noAuth = await stack.curl('/proj-one/stable', { method: 'POST', headers: form, data: 'v1.1.0' });
    assert.equal(noAuth.status, 401);
    const otherUt = (await webAccount(stack, 'other@example.com')).token;
    const stranger = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(otherUt) }, data: 'v1.1.0' });
    assert.equal(stranger.status, 403);
    const http = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'v1.1.0', base: stack.httpUrl });
    assert.equal(http.status, 403, 'never over plain HTTP');
    assert.equal(JSON.parse((await stack.curl('/proj-one', { headers: { accept: 'application/json' } })).body)['dist-tags'].stable, '1.0.0');
  });

  test('forms with the cookie need the page\'s CSRF field: a forged cross-site POST fails', async () => {
    const page = await stack.curl('/proj-one', { headers: { ...html, cookie } });
    const csrf = page.body.match(/name="csrf" value="([0-9a-f]{32})"/)[1];
    const forged = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...html, cookie }, data: 'version=v1.1.0' });
    assert.equal(forged.status, 403);
    const wrong = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...html, cookie }, data: `version=v1.1.0&csrf=${'0'.repeat(32)}` });
    assert.equal(wrong.status, 403);
    const ok = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...html, cookie }, data: `version=v1.1.0&csrf=${csrf}` });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, `${stack.url}/proj-one`);
  });

  test('nightly: 404 until set, then 301 to the link; only http(s) links', async () => {
    assert.equal((await stack.curl('/proj-one/nightly')).status, 404);
    const bad = await stack.curl('/proj-one/nightly', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'link=ftp%3A%2F%2Fx.example%2Fa.tgz' });
    assert.equal(bad.status, 400);
    const set = await stack.curl('/proj-one/nightly', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'link=https%3A%2F%2Fci.example%2Fnightly.tgz' });
    assert.equal(set.status, 200, set.body);
    const go = await stack.curl('/proj-one/nightly');
    assert.equal(go.status, 301);
    assert.equal(go.headers.location, 'https://ci.example/nightly.tgz');
    const page = await stack.curl('/proj-one', { headers: html });
    assert.match(page.body, /href="\/proj-one\/nightly"/);
  });

  test('owners are added and removed by npm name with the user token only; the last one stays', async () => {
    const other = (await webAccount(stack, 'helper@example.com', { name: 'helper' })).token;
    const byProject = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'add=helper' });
    assert.equal(byProject.status, 403);
    const byEmail = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'add=helper%40example.com' });
    assert.equal(byEmail.status, 400, 'owners by npm name only: an address would be published without consent');
    const add = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'add=helper' });
    assert.equal(add.status, 200, add.body);
    const helperTag = await stack.curl('/proj-one/test', { method: 'POST', headers: { ...form, ...bearer(other) }, data: 'v1.0.0' });
    assert.equal(helperTag.status, 200, 'the new owner can manage the project');
    const unknown = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'add=ghost' });
    assert.equal(unknown.status, 400);
    const rm = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'remove=helper' });
    assert.equal(rm.status, 200);
    const last = await stack.curl('/proj-one/-/owners', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'remove=owner' });
    assert.equal(last.status, 400);
    assert.equal((await stack.curl('/proj-one/test', { method: 'POST', headers: { ...form, ...bearer(other) }, data: 'v1.1.0' })).status, 403);
  });

  test('deprecate from the page, and undeprecate', async () => {
    const dep = await stack.curl('/proj-one/-/deprecate', { method: 'POST', headers: { ...form, ...bearer(pt) },
      data: 'version=1.0.0&message=use+1.1' });
    assert.equal(dep.status, 200, dep.body);
    assert.equal(JSON.parse((await stack.curl('/proj-one', { headers: { accept: 'application/json' } })).body).versions['1.0.0'].deprecated, 'use 1.1');
    const missing = await stack.curl('/proj-one/-/deprecate', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'version=9.9.9&message=x' });
    assert.equal(missing.status, 404);
    await stack.curl('/proj-one/-/deprecate', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'version=1.0.0&message=' });
    assert.ok(!('deprecated' in JSON.parse((await stack.curl('/proj-one', { headers: { accept: 'application/json' } })).body).versions['1.0.0']));
  });

  test('the npm name and password chosen when the account was confirmed work with npm login; no token sets one', async () => {
    const login = await stack.curl('/-/user/org.couchdb.user:owner', { method: 'PUT', headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'owner', password: 'owner-password-1' }) });
    assert.equal(login.status, 201, login.body);
    const who = await stack.curl('/-/whoami', { headers: bearer(JSON.parse(login.body).token) });
    assert.deepEqual(JSON.parse(who.body), { username: 'owner' });
    // /-/account is the 2FA page now (issue 12); no field of it sets a password.
    const gone = await stack.curl('/-/account', { method: 'POST', headers: { ...form, ...bearer(ut) }, data: 'name=owner&password=stolen-pass-99' });
    assert.equal(gone.status, 400, 'a token never sets a password (issue 8, point 1)');
    const stolen = await stack.curl('/-/whoami', { headers: { authorization: `Basic ${Buffer.from('owner:stolen-pass-99').toString('base64')}` } });
    assert.equal(stolen.status, 401);
  });

  test('rotating the project token stops the old one', async () => {
    const r = await stack.curl('/proj-one/-/rotate', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: '' });
    assert.equal(r.status, 303);
    const fresh = new URL(r.headers.location).searchParams.get('pt');
    assert.notEqual(fresh, pt);
    const old = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(pt) }, data: 'v1.0.0' });
    assert.equal(old.status, 401);
    const ok = await stack.curl('/proj-one/stable', { method: 'POST', headers: { ...form, ...bearer(fresh) }, data: 'v1.0.0' });
    assert.equal(ok.status, 200);
  });
});
