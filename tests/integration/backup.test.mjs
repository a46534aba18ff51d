// depotctl backup while publishes go on, and depotctl restore into an empty
// stack (issue 10): the same users, tokens, packuments and tarball bytes,
// and npm installs from the restored registry with a token of the old one.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage, publishBody, tarball } from '../lib/packages.mjs';
import { binDir, sh, Stack } from '../lib/stack.mjs';
import { currentStep, totp } from '../lib/totp.mjs';

const json = { 'content-type': 'application/json' };

describe('backup and restore', () => {
  let a;
  let b;
  let alice;
  let dir;
  before(async () => {
    [a, b] = [await Stack.start(), await Stack.start()];
    alice = await account(a, 'alice');
    dir = await mkdtemp(path.join(os.tmpdir(), 'depot-backup-'));
    await rm(dir, { recursive: true });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ctl = (stack, ...args) => sh(path.join(binDir, 'depotctl'), ['--config', stack.config, ...args]);
  const doc = async (stack, name, auth = {}) => {
    const r = await stack.curl(`/${name.replace('/', '%2f')}`, { headers: { accept: 'application/json', ...auth } });
    assert.equal(r.status, 200, `${name}: ${r.body}`);
    // The other stack's URL in dist.tarball is the only allowed difference.
    return JSON.parse(r.body.replaceAll(stack.url, 'BASE'));
  };
  const rows = (stack, q) => stack.sql(q);

  test('a backup taken during publishes restores into an empty stack as the same registry', async () => {
    // An account with 2FA: its secret and recovery codes are part of the backup (issue 12).
    const carol = await account(a, 'carol');
    const tfa = (body) => a.curl('/-/npm/v1/user', { method: 'POST', headers: { ...json, ...carol.auth }, data: JSON.stringify(body) });
    const secret = new URL(JSON.parse((await tfa({ tfa: { password: 'carol-password-1', mode: 'auth-only' } })).body).tfa)
      .searchParams.get('secret');
    const enrolled = await tfa({ tfa: [totp(secret, currentStep())] });
    assert.equal(enrolled.status, 200, enrolled.body);
    for (const [name, version] of [['kept-a', '1.0.0'], ['kept-a', '1.1.0'], ['@alice/private', '1.0.0']]) {
      const r = await a.npm(['publish'], { cwd: await makePackage(a.dir, { name, version }), home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
    // Publishes go on during the backup, and unpublishes too.
    let busy = true;
    let published = 0;
    const loop = (async () => {
      for (let i = 0; busy; i++) {
        const m = { name: 'busy-pkg', version: `1.0.${i}` };
        const r = await a.curl('/busy-pkg', { method: 'PUT', headers: { ...json, ...alice.auth },
          data: JSON.stringify(publishBody(m, await tarball(path.join(a.dir, 'busy'), m))) });
        assert.equal(r.status, 201, r.body);
        published++;
      }
    })();
    while (published < 3) await new Promise((r) => setTimeout(r, 50));
    const backup = await ctl(a, 'backup', dir);
    busy = false;
    await loop;
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backed up schema \d+, \d+ tarballs/);
    assert.ok(published > 3);

    assert.equal((await ctl(a, 'restore', dir)).code, 1, 'never into a registry in use');
    const restored = await ctl(b, 'restore', dir);
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal((await b.ctl('fcgi-reload')).code, 0);

    // Accounts and tokens: the same hashes.
    for (const q of ['SELECT name, email, password_hash, credential_gen FROM users ORDER BY id',
      'SELECT token_hash, kind, readonly, user_id FROM tokens ORDER BY id',
      'SELECT user_id, secret, mode, pending FROM user_tfa ORDER BY user_id',
      'SELECT user_id, code_hash, used_at FROM recovery_codes ORDER BY id']) {
      assert.equal(await rows(b, q), await rows(a, q), q);
    }
    assert.match(await rows(b, 'SELECT COUNT(*) FROM recovery_codes'), /^10$/);
    // carol logs in to the restored registry with her password and a code from the same secret.
    const login = (otp) => b.curl('/-/user/org.couchdb.user:carol', { method: 'PUT',
      headers: { ...json, ...(otp ? { 'npm-otp': otp } : {}) }, data: JSON.stringify({ name: 'carol', password: 'carol-password-1' }) });
    assert.equal((await login()).status, 401);
    const withCode = await login(totp(secret, currentStep() + 1));
    assert.equal(withCode.status, 201, withCode.body);
    // Packages not written during the backup: the same documents.
    assert.deepEqual(await doc(b, 'kept-a'), await doc(a, 'kept-a'));
    const token = { authorization: alice.auth.authorization };
    assert.deepEqual(await doc(b, '@alice/private', token), await doc(a, '@alice/private', token));
    assert.equal((await b.curl('/@alice%2fprivate')).status, 404, 'still restricted');
    // The busy package: what the snapshot held, each version with its bytes.
    const busyB = await doc(b, 'busy-pkg');
    const versions = Object.keys(busyB.versions);
    assert.ok(versions.length >= 3 && versions.length <= published, `${versions.length} of ${published}`);
    for (const v of versions) {
      const file = path.join(b.dir, `got-${v}.tgz`);
      const got = await sh('curl', ['-sS', '--cacert', b.ca, '-o', file, '-w', '%{http_code}', `${b.url}/busy-pkg/-/busy-pkg-${v}.tgz`]);
      assert.equal(got.stdout, '200');
      const sha = `sha512-${createHash('sha512').update(await readFile(file)).digest('base64')}`;
      assert.equal(sha, busyB.versions[v].dist.integrity, v);
    }
    // Nothing in the store that no restored version names.
    const keys = (await rows(b, 'SELECT tarball_key FROM versions WHERE tarball_key IS NOT NULL')).split('\n').filter(Boolean);
    const files = (await sh('bash', ['-c', `cd ${b.dir}/tarballs && find . -type f -not -path './.tmp/*' | sed 's|^./||' | sort`])).stdout.split('\n').filter(Boolean);
    assert.deepEqual(files, [...keys].sort());

    // The signing keys came with the dump, sealed with the old registry's
    // KEK: publishing is refused, saying why, until ops put that KEK back.
    const keysA = JSON.parse((await a.curl('/-/npm/v1/keys')).body);
    assert.deepEqual(JSON.parse((await b.curl('/-/npm/v1/keys')).body), keysA);
    const m = { name: 'after-restore', version: '1.0.0' };
    const put = () => b.curl('/after-restore', { method: 'PUT', headers: { ...alice.auth, ...json },
      data: JSON.stringify(publishBody(m, tgz)) });
    const tgz = await tarball(path.join(b.dir, 'kek'), m);
    const refused = await put();
    assert.equal(refused.status, 503, refused.body);
    assert.match(refused.body, /signing_kek_file/);
    assert.equal((await b.curl('/after-restore')).status, 404, 'nothing was changed');
    await writeFile(path.join(b.dir, 'signing.kek'), await readFile(path.join(a.dir, 'signing.kek')));
    assert.equal((await b.ctl('fcgi-stop')).code, 0);
    assert.equal((await b.ctl('fcgi-start')).code, 0);
    const signedPut = await put();
    assert.equal(signedPut.status, 201, signedPut.body);
    const sig = JSON.parse((await b.curl('/after-restore')).body).versions['1.0.0'].dist.signatures[0];
    assert.equal(sig.keyid, keysA.keys[0].keyid);

    // npm installs from the restored registry with the old registry's token.
    const app = path.join(b.dir, 'restored-app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"name":"restored-app","version":"1.0.0"}');
    const home = path.join(b.dir, 'restored-home');
    await mkdir(home);
    await writeFile(path.join(home, '.npmrc'), `//${new URL(b.url).host}/:_authToken=${alice.token}\n`);
    const inst = await b.npm(['install', 'kept-a@1.1.0', '@alice/private'], { cwd: app, home: 'restored-home' });
    assert.equal(inst.code, 0, inst.stderr);
  });
});
