// Holes a review found, each kept shut by a test: token scope, input that
// would exhaust a worker, restricted names leaking, shared caches, immutable
// versions and build metadata, secrets in logs.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { account, mailLink, makePackage, pack, publishBody } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';

const json = { 'content-type': 'application/json' };
const basic = (name, pw) => `Basic ${Buffer.from(`${name}:${pw}`).toString('base64')}`;

describe('hardening', () => {
  let stack;
  let alice;
  let bob;
  let readOnly;

  const readOnlyToken = async () => {
    const made = await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: { ...json, ...alice.auth },
      data: JSON.stringify({ password: 'alice-password-1', packages_and_scopes_permission: 'read-only' }) });
    return { authorization: `Bearer ${JSON.parse(made.body).token}` };
  };

  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    bob = await account(stack, 'bob');
    readOnly = await readOnlyToken();
    for (const [manifest, args] of [[{ name: 'open-pkg', version: '1.0.0' }, []],
      [{ name: '@acme/hidden', version: '1.0.0' }, []], [{ name: 'a..b', version: '1.0.0' }, []]]) {
      const r = await stack.npm(['publish', ...args], { cwd: await makePackage(stack.dir, manifest), home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => { await stack?.stop(); });

  test('a token (even read-only) cannot change the account password; Basic auth can', async () => {
    const change = (auth) => stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, ...auth }, data: JSON.stringify({ name: 'alice', password: 'taken-over-1' }) });
    for (const auth of [readOnly, alice.auth]) {
      const r = await change(auth);
      assert.equal(r.status, 401, r.body);
      assert.equal(r.headers['www-authenticate'], 'Basic');
    }
    const ok = await change({ authorization: basic('alice', 'alice-password-1') });
    assert.equal(ok.status, 201, ok.body);
    const back = await stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, authorization: basic('alice', 'taken-over-1') },
      data: JSON.stringify({ name: 'alice', password: 'alice-password-1' }) });
    assert.equal(back.status, 201);
    // Every password change ended alice's other credentials (issue 8, point 3): log in again.
    assert.equal((await stack.curl('/-/whoami', { headers: alice.auth })).status, 401);
    alice = await account(stack, 'alice');
    readOnly = await readOnlyToken();
  });

  test('a read-only token cannot revoke other tokens', async () => {
    const r = await stack.curl('/-/npm/v1/tokens/token/anything', { method: 'DELETE', headers: readOnly });
    assert.equal(r.status, 403);
  });

  test('deeply nested JSON is a 400 and the workers keep serving', async () => {
    const deep = '['.repeat(200000) + ']'.repeat(200000);
    // Routes that take documents parse them (400); the others refuse a body this
    // large before reading it (413: a login is not a publish, issue 8 point 13).
    for (const [method, path, auth, status] of [['PUT', '/open-pkg', alice.auth, 400], ['POST', '/-/v1/login', {}, 413],
      ['POST', '/-/npm/v1/security/advisories/bulk', {}, 400], ['PUT', '/-/user/org.couchdb.user:zed', {}, 413]]) {
      const r = await stack.curl(path, { method, headers: { ...json, ...auth }, data: deep });
      assert.equal(r.status, status, `${method} ${path}`);
    }
    const manyKeys = `{${Array.from({ length: 200000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    const keys = await stack.curl('/open-pkg', { method: 'PUT', headers: { ...json, ...alice.auth }, data: manyKeys });
    assert.ok(keys.status >= 400 && keys.status < 500);
    assert.equal((await stack.curl('/-/ping')).status, 200);
  });

  test('strangers learn nothing about restricted packages from writes', async () => {
    const anonymous = await stack.curl('/@acme%2fhidden', { method: 'PUT', headers: json, data: '{}' });
    const anonymousMissing = await stack.curl('/@acme%2fmissing', { method: 'PUT', headers: json, data: '{}' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymousMissing.status, 401);
    const bobPut = await stack.curl('/@acme%2fhidden', { method: 'PUT', headers: { ...json, ...bob.auth }, data: '{}' });
    const bobMissing = await stack.curl('/@acme%2fmissing', { method: 'PUT', headers: { ...json, ...bob.auth }, data: '{}' });
    assert.equal(bobPut.status, bobMissing.status);
    const star = await stack.curl('/@acme%2fhidden', { method: 'PUT', headers: { ...json, ...bob.auth },
      data: JSON.stringify({ _id: '@acme/hidden', users: { bob: true } }) });
    assert.ok(star.status === 400 || star.status === 404, String(star.status));
    const tag = await stack.curl('/-/package/@acme%2fhidden/dist-tags/next', { method: 'PUT', headers: { ...json, ...bob.auth }, data: '"1.0.0"' });
    assert.equal(tag.status, 404);
    const roTag = await stack.curl('/-/package/@acme%2fhidden/dist-tags/next', { method: 'PUT', headers: { ...json, ...readOnly }, data: '"1.0.0"' });
    assert.equal(roTag.status, 403, 'an owner\'s read-only token sees the package but cannot write');
    const publish = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: '@acme/hidden', version: '2.0.0' }), home: bob.home });
    assert.match(publish.stderr, /E404/);
    assert.equal(await stack.sql("SELECT COUNT(*) FROM stars"), '0');
  });

  test('npm audit does not reveal advisories of restricted packages to strangers', async () => {
    await stack.sql("INSERT INTO advisories (package_name, vulnerable_versions, severity, title) VALUES ('@acme/hidden', '*', 'high', 'secret hole')");
    const body = JSON.stringify({ '@acme/hidden': ['1.0.0'] });
    const stranger = JSON.parse((await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST', headers: { ...json, ...bob.auth }, data: body })).body);
    assert.deepEqual(stranger, {});
    const owner = JSON.parse((await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST', headers: { ...json, ...alice.auth }, data: body })).body);
    assert.equal(owner['@acme/hidden'][0].title, 'secret hole');
  });

  test('restricted tarballs and manifests are private to caches; public ones are shareable', async () => {
    const hidden = await stack.curl('/@acme/hidden/-/hidden-1.0.0.tgz', { headers: alice.auth });
    assert.equal(hidden.status, 200);
    assert.match(hidden.headers['cache-control'], /^private/);
    const open = await stack.curl('/open-pkg/-/open-pkg-1.0.0.tgz');
    assert.match(open.headers['cache-control'], /^public/);
    const manifest = await stack.curl('/@acme/hidden/1.0.0', { headers: alice.auth });
    assert.match(manifest.headers['cache-control'], /^private/);
  });

  test('a version with build metadata is refused: it would install as the plain version', async () => {
    const manifest = { name: 'open-pkg', version: '1.0.0+evil' };
    const bytes = await pack(await makePackage(stack.dir, { name: 'open-pkg', version: '1.0.0' }));
    const r = await stack.curl('/open-pkg', { method: 'PUT', headers: { ...json, ...alice.auth },
      data: JSON.stringify(publishBody(manifest, bytes)) });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).error, /build metadata/);
  });

  test('a name with ".." in it publishes and installs like any other', async () => {
    const r = await stack.curl('/a..b/-/a..b-1.0.0.tgz');
    assert.equal(r.status, 200);
  });

  test('changing to an email another account has is a 409, not a 500', async () => {
    const r = await stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, authorization: basic('alice', 'alice-password-1') },
      data: JSON.stringify({ name: 'alice', email: 'bob@example.com' }) });
    assert.equal(r.status, 409);
  });

  test('npm deprecate still works after the publisher changed their email', async () => {
    const r = await stack.curl('/-/user/org.couchdb.user:alice/-rev/undefined', { method: 'PUT',
      headers: { ...json, authorization: basic('alice', 'alice-password-1') },
      data: JSON.stringify({ name: 'alice', email: 'alice@new.example.com' }) });
    assert.equal(r.status, 201);
    const link = await mailLink(stack, 'alice@new.example.com', 'confirm');
    const confirmed = await stack.curl('/-confirm', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: new URLSearchParams(Object.fromEntries(link.searchParams)).toString() });
    assert.equal(confirmed.status, 200, confirmed.body);
    assert.equal(await stack.sql("SELECT email FROM users WHERE name = 'alice'"), 'alice@new.example.com');
    const dep = await stack.npm(['deprecate', 'open-pkg@1.0.0', 'old'], { home: alice.home });
    assert.equal(dep.code, 0, dep.stderr);
  });

  test('the access log keeps no token from a logout path', async () => {
    const secret = 'depot_thisIsNotARealTokenButLooksLikeOne000000000';
    await stack.curl(`/-/user/token/${secret}`, { method: 'DELETE' });
    await sleep(200);
    const log = await stack.log('access.log');
    assert.match(log, /DELETE \/-\/user\/token\/\[redacted\]/);
    assert.ok(!log.includes(secret));
  });
});
