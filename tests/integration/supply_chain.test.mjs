// npm's supply-chain contract (issue 13) against a real stack: registry
// keys and dist.signatures checked by the pacote that ships inside npm (the
// code npm audit signatures runs), key rotation and retirement, provenance
// bundles stored and served, trusted publishing with the real npm publish in
// a simulated GitHub Actions job, and the package page that shows it all.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign as signData } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { fakeRegistry } from '../lib/fake-registry.mjs';
import { account, makePackage, pack, publishBody, tarball } from '../lib/packages.mjs';
import { binDir, repo, sh, Stack } from '../lib/stack.mjs';

const requireNpm = createRequire(path.join(repo, 'tests/node_modules/npm/package.json'));
const pacote = requireNpm('pacote');
const json = (r) => JSON.parse(r.body);
const ctl = (stack, ...args) => sh(path.join(binDir, 'depotctl'), ['--config', stack.config, ...args]);

// What npm audit signatures gives pacote: the registry's keys with PEMs.
async function registryKeys(stack) {
  const r = await stack.curl('/-/npm/v1/keys');
  assert.equal(r.status, 200, r.body);
  return json(r).keys.map((k) => ({ ...k, pemkey: `-----BEGIN PUBLIC KEY-----\n${k.key}\n-----END PUBLIC KEY-----` }));
}

// pacote.manifest as lib/utils/verify-signatures.js calls it; throws with
// pacote's code (EINTEGRITYSIGNATURE…) when a signature does not verify.
async function verify(stack, spec, keys) {
  const cache = await mkdtemp(path.join(stack.dir, 'pacote-'));
  return pacote.manifest(spec, {
    verifySignatures: true,
    [`//127.0.0.1:${stack.httpsPort}/:_keys`]: keys,
    registry: `${stack.url}/`,
    ca: await readFile(stack.ca, 'utf8'),
    cache,
    preferOnline: true,
  });
}

// Rewrites a stored full document in place, as an attacker with the store would.
async function tamper(stack, name, edit) {
  const file = path.join(stack.dir, 'documents/public', name, 'full.json.gz');
  const doc = JSON.parse(gunzipSync(await readFile(file)).toString());
  edit(doc);
  await writeFile(file, gzipSync(JSON.stringify(doc)));
}

const keyidOf = (b64) => `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;

describe('registry signatures', () => {
  let stack;
  let alice;
  const publish = async (manifest) => {
    const r = await stack.npm(['publish', '--access', 'public'], { cwd: await makePackage(stack.dir, manifest), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
  };
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    await publish({ name: 'sig-b', version: '1.0.0' });
    await publish({ name: '@team/sig-c', version: '2.0.0' });
    await publish({ name: 'sig-a', version: '1.0.0', dependencies: { 'sig-b': '^1.0.0', '@team/sig-c': '2.0.0' } });
  });
  after(async () => { await stack?.stop(); });

  test('GET /-/npm/v1/keys is what npm expects; the private key stays sealed in the database', async () => {
    const r = await stack.curl('/-/npm/v1/keys');
    assert.equal(r.status, 200);
    const { keys } = json(r);
    assert.equal(keys.length, 1);
    const [k] = keys;
    assert.deepEqual(Object.keys(k).sort(), ['expires', 'key', 'keyid', 'keytype', 'scheme']);
    assert.equal(k.expires, null);
    assert.equal(k.keytype, 'ecdsa-sha2-nistp256');
    assert.equal(k.scheme, 'ecdsa-sha2-nistp256');
    assert.equal(k.keyid, keyidOf(k.key), 'SHA256: + unpadded base64 of the DER SHA-256');
    const list = await ctl(stack, 'keys', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${k.keyid.replace(/[+/]/g, '\\$&')}.*signing`));
    // Sealed: what the database holds is not a private key without the KEK.
    const sealed = await stack.sql(`SELECT private_sealed FROM signing_keys WHERE keyid = '${k.keyid}'`);
    assert.throws(() => createPrivateKey({ key: Buffer.from(sealed, 'base64'), format: 'der', type: 'sec1' }));
    assert.throws(() => createPrivateKey({ key: Buffer.from(sealed, 'base64'), format: 'der', type: 'pkcs8' }));
    assert.ok(!r.body.includes(sealed.slice(0, 40)));
  });

  test('a tree installed from depot verifies with npm\'s own verifier; tampering fails it', async () => {
    const app = path.join(stack.dir, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { 'sig-a': '1.0.0' } }));
    const install = await stack.npm(['install'], { cwd: app });
    assert.equal(install.code, 0, install.stderr);
    const lock = JSON.parse(await readFile(path.join(app, 'package-lock.json'), 'utf8'));
    const installed = Object.entries(lock.packages).filter(([p]) => p).map(([p, v]) => `${p.replace(/^.*node_modules\//, '')}@${v.version}`);
    assert.deepEqual(installed.sort(), ['@team/sig-c@2.0.0', 'sig-a@1.0.0', 'sig-b@1.0.0']);
    const keys = await registryKeys(stack);
    for (const spec of installed) {
      const m = await verify(stack, spec, keys);
      assert.equal(m._signatures.length, 1, spec);
      assert.equal(m._signatures[0].keyid, keys[0].keyid);
    }
    // Both documents carry it (pnpm and npm outdated read the corgi).
    const corgi = json(await stack.curl('/sig-b', { headers: { accept: 'application/vnd.npm.install-v1+json' } }));
    assert.equal(corgi.versions['1.0.0'].dist.signatures[0].keyid, keys[0].keyid);

    await tamper(stack, 'sig-b', (d) => { d.versions['1.0.0'].dist.integrity = `sha512-${Buffer.alloc(64, 1).toString('base64')}`; });
    await assert.rejects(verify(stack, 'sig-b@1.0.0', keys), { code: 'EINTEGRITYSIGNATURE' });
    await tamper(stack, 'sig-a', (d) => {
      const s = Buffer.from(d.versions['1.0.0'].dist.signatures[0].sig, 'base64');
      s[s.length - 1] ^= 1;
      d.versions['1.0.0'].dist.signatures[0].sig = s.toString('base64');
    });
    await assert.rejects(verify(stack, 'sig-a@1.0.0', keys), { code: 'EINTEGRITYSIGNATURE' });
    // A key the registry does not list is no signature either.
    await assert.rejects(verify(stack, '@team/sig-c@2.0.0', [{ ...keys[0], keyid: 'SHA256:other' }]), { code: 'EMISSINGSIGNATUREKEY' });
    assert.equal((await ctl(stack, 'rebuild-packuments')).code, 0);
    await verify(stack, 'sig-b@1.0.0', keys);
    await verify(stack, 'sig-a@1.0.0', keys);
  });

  test('npm audit signatures (needs the public Sigstore TUF repository first)', async (t) => {
    if (process.env.DEPOT_TEST_INTERNET !== '1') {
      t.skip('npm audit signatures asks tuf-repo-cdn.sigstore.dev for keys before /-/npm/v1/keys; '
        + 'tests talk to loopback only: set DEPOT_TEST_INTERNET=1 to run it');
      return;
    }
    const r = await stack.npm(['audit', 'signatures'], { cwd: path.join(stack.dir, 'app') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 packages have verified registry signatures/);
  });

  test('rotate: new versions take the new key, old ones still verify; retire re-signs what the old key can no longer vouch for', async () => {
    const [old] = await registryKeys(stack);
    const rot = await ctl(stack, 'keys', 'rotate');
    assert.equal(rot.code, 0, rot.stderr);
    const keys = await registryKeys(stack);
    assert.equal(keys.length, 2);
    const retired = keys.find((k) => k.keyid === old.keyid);
    const fresh = keys.find((k) => k.keyid !== old.keyid);
    assert.ok(retired.expires && Date.parse(retired.expires) <= Date.now() + 1000, 'the old key expires at rotation');
    assert.equal(fresh.expires, null);
    await publish({ name: 'sig-b', version: '1.1.0' });
    const doc = json(await stack.curl('/sig-b'));
    assert.equal(doc.versions['1.1.0'].dist.signatures[0].keyid, fresh.keyid);
    assert.equal(doc.versions['1.0.0'].dist.signatures[0].keyid, old.keyid);
    assert.ok(Date.parse(doc.time['1.0.0']) < Date.parse(retired.expires));
    await verify(stack, 'sig-b@1.1.0', keys);
    await verify(stack, 'sig-b@1.0.0', keys);

    // A leaked key: retired as of before anything was published, so
    // nothing it signed verifies any more, and depot signs it all again.
    const leak = new Date(Date.parse(doc.time.created) - 60000).toISOString();
    const ret = await ctl(stack, 'keys', 'retire', old.keyid, '--expires', leak);
    assert.equal(ret.code, 0, ret.stderr);
    assert.match(ret.stdout, /3 versions signed again/);  // 1.1.0 has the new key already
    const after = await registryKeys(stack);
    assert.equal(after.find((k) => k.keyid === old.keyid).expires, leak);
    for (const spec of ['sig-b@1.0.0', 'sig-b@1.1.0', 'sig-a@1.0.0', '@team/sig-c@2.0.0']) {
      const m = await verify(stack, spec, after);
      assert.equal(m._signatures[0].keyid, fresh.keyid, spec);
    }
    // With the old key's expiry the old signatures would be refused, as pacote does.
    await assert.rejects(verify(stack, 'sig-b@1.0.0', after.map((k) => ({ ...k, keyid: fresh.keyid === k.keyid ? 'x' : k.keyid }))),
      { code: 'EMISSINGSIGNATUREKEY' });
  });

  test('versions without a signature (from before signing) are signed by depotctl keys sign-all', async () => {
    await stack.sql("UPDATE versions SET sig = NULL, sig_keyid = NULL");
    const r = await ctl(stack, 'keys', 'sign-all');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^4 versions signed/m);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM versions WHERE sig IS NULL'), '0');
    const keys = await registryKeys(stack);
    await verify(stack, 'sig-a@1.0.0', keys);
    assert.match((await ctl(stack, 'keys', 'sign-all')).stdout, /^0 versions signed/m);
    const log = await ctl(stack, 'log', '--package', 'sig-a');
    assert.match(log.stdout, /sign/);
  });

  test('depotctl backup holds the sealed keys, never the key-encryption key', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'depot-keys-backup-'));
    await rm(dir, { recursive: true });
    try {
      const r = await ctl(stack, 'backup', dir);
      assert.equal(r.code, 0, r.stderr);
      const dump = await readFile(path.join(dir, 'database.sql'), 'utf8');
      for (const k of await registryKeys(stack)) assert.ok(dump.includes(k.keyid), k.keyid);
      const kek = (await readFile(path.join(stack.dir, 'signing.kek'), 'utf8')).trim();
      assert.ok(!dump.includes(kek));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('proxied versions under each uplink\'s signatures policy', () => {
  let stack;
  let signed;
  let plain;
  let upKeyid;
  const doc = async (name) => json(await stack.curl(`/${name}`, { headers: { accept: 'application/json' } }));
  before(async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'depot-uplink-sig-'));
    signed = await fakeRegistry();
    plain = await fakeRegistry();
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    upKeyid = keyidOf(der);
    const { privateKey: oldPrivate, publicKey: oldPublic } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const oldDer = oldPublic.export({ format: 'der', type: 'spki' }).toString('base64');
    const key = (k, expires) => ({ expires, keyid: keyidOf(k), keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: k });
    const keys = [key(oldDer, '2020-01-01T00:00:00.000Z'), key(der, null)];
    const add = async (reg, manifest, opts) => reg.add(manifest, await tarball(root, manifest), opts);
    signed.signWith({ keyid: upKeyid, privateKey, keys });
    await add(signed, { name: 'sv-good', version: '1.0.0' });
    await add(signed, { name: 'sv-good', version: '1.1.0' }, { badSignature: true });
    await add(signed, { name: 'sv-bad', version: '1.0.0' }, { badSignature: true });
    // Signed with a key that had expired before the version was published.
    signed.signWith({ keyid: keyidOf(oldDer), privateKey: oldPrivate, keys });
    await add(signed, { name: 'sv-expired', version: '1.0.0' }, { time: new Date('2024-06-01T00:00:00Z') });
    signed.signWith({ keyid: upKeyid, privateKey, keys });
    for (const n of ['pl-a', 'tr-a', 'vf-a']) await add(plain, { name: n, version: '1.0.0' });
    stack = await Stack.start({ extraConf: [
      `uplink_signed = ${signed.url}`,
      `uplink_plain = ${plain.url}`,
      `uplink_trusted = ${plain.url}`,
      'uplink_trusted_signatures = trust',
      `uplink_strict = ${plain.url}`,
      'uplink_strict_signatures = verify',
      'proxy = sv-*:signed pl-*:plain tr-*:trusted vf-*:strict',
    ].join('\n') });
    await rm(root, { recursive: true, force: true });
  });
  after(async () => {
    await stack?.stop();
    await signed?.close();
    await plain?.close();
  });

  test('verify (the default for an uplink with keys): checked, then signed by depot; a bad or expired signature is not served', async () => {
    const keys = await registryKeys(stack);
    const good = await doc('sv-good');
    assert.deepEqual(Object.keys(good.versions), ['1.0.0'], 'the badly signed 1.1.0 is left out');
    assert.equal(good['dist-tags'].latest, undefined, 'latest pointed at the refused version');
    assert.equal(good.versions['1.0.0'].dist.signatures[0].keyid, keys[0].keyid);
    assert.notEqual(keys[0].keyid, upKeyid);
    const m = await verify(stack, 'sv-good@1.0.0', keys);
    assert.equal(m._signatures[0].keyid, keys[0].keyid);
    assert.equal((await stack.curl('/sv-good/-/sv-good-1.1.0.tgz')).status, 404, 'its bytes neither');
    assert.equal((await stack.curl('/sv-good/-/sv-good-1.0.0.tgz')).status, 200);
    assert.deepEqual((await doc('sv-bad')).versions, {});
    assert.deepEqual((await doc('sv-expired')).versions, {});
    assert.equal((await stack.curl('/sv-expired/-/sv-expired-1.0.0.tgz')).status, 404);
  });

  test('none (the default for an uplink without keys) serves unsigned; trust signs; verify without keys refuses', async () => {
    const keys = await registryKeys(stack);
    assert.equal((await doc('pl-a')).versions['1.0.0'].dist.signatures, undefined);
    const trusted = await doc('tr-a');
    assert.equal(trusted.versions['1.0.0'].dist.signatures[0].keyid, keys[0].keyid);
    await verify(stack, 'tr-a@1.0.0', keys);
    assert.deepEqual((await doc('vf-a')).versions, {});
  });

  test('without audit_uplink, npm audit asks no uplink, even about proxied names', async () => {
    plain.advise('pl-a', { id: 7, url: 'https://example.invalid/7', title: 'pl-a is bad', severity: 'high',
      vulnerable_versions: '<2.0.0', cwe: [], cvss: { score: 7, vectorString: null } });
    const r = await stack.curl('/-/npm/v1/security/advisories/bulk', { method: 'POST',
      headers: { 'content-type': 'application/json' }, data: JSON.stringify({ 'pl-a': ['1.0.0'] }) });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(json(r), {});
    for (const reg of [signed, plain]) {
      assert.deepEqual(reg.requests.filter((q) => q.url.includes('advisories')), []);
    }
  });
});

// A Sigstore bundle as npm publish --provenance makes it (libnpmpublish):
// a DSSE envelope over an in-toto statement about the tarball. The
// certificate and transparency-log entry are the client's business.
function bundleFor(name, version, tgz, { subjectName, digest } = {}) {
  const purl = `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: subjectName ?? purl, digest: { sha512: digest ?? createHash('sha512').update(tgz).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: 'refs/heads/main', repository: 'https://github.com/acme/widget', path: '.github/workflows/publish.yml' } },
        resolvedDependencies: [{ uri: 'git+https://github.com/acme/widget@refs/heads/main', digest: { gitCommit: '0123456789abcdef0123456789abcdef01234567' } }],
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' }, metadata: { invocationId: 'https://github.com/acme/widget/actions/runs/42/attempts/1' } },
    },
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pae = Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${payload.length} `), payload]);
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { certificate: { rawBytes: Buffer.from('test certificate').toString('base64') }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: signData('sha256', pae, privateKey).toString('base64'), keyid: '' }] },
  };
}

describe('provenance', () => {
  let stack;
  let alice;
  const put = (name, body) => stack.curl(`/${name.replace('/', '%2f')}`, { method: 'PUT',
    headers: { ...alice.auth, 'content-type': 'application/json' }, data: JSON.stringify(body) });
  const withBundle = (manifest, tgz, bundle) => {
    const body = publishBody(manifest, tgz, { access: 'public' });
    const text = typeof bundle === 'string' ? bundle : JSON.stringify(bundle);
    body._attachments[`${manifest.name}-${manifest.version}.sigstore`] = { content_type: 'application/vnd.dev.sigstore.bundle.v0.3+json', data: text, length: text.length };
    return body;
  };
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
  });
  after(async () => { await stack?.stop(); });

  test('a publish with a .sigstore attachment: stored, linked from dist.attestations, served as sent', async () => {
    const manifest = { name: '@acme/widget', version: '1.0.0', repository: { type: 'git', url: 'git+https://github.com/acme/widget.git' } };
    const tgz = await pack(await makePackage(stack.dir, manifest));
    const bundle = bundleFor(manifest.name, manifest.version, tgz);
    const r = await put(manifest.name, withBundle(manifest, tgz, bundle));
    assert.equal(r.status, 201, r.body);
    const doc = json(await stack.curl('/@acme%2fwidget'));
    assert.deepEqual(doc.versions['1.0.0'].dist.attestations, {
      url: `${stack.url}/-/npm/v1/attestations/@acme/widget@1.0.0`,
      provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
    });
    const a = await stack.curl('/-/npm/v1/attestations/@acme%2fwidget@1.0.0');
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(json(a), { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle }] });
    // What pacote fetches: the URL's path, under the registry.
    const again = await stack.curl(new URL(doc.versions['1.0.0'].dist.attestations.url).pathname);
    assert.deepEqual(json(again), json(a));
    assert.equal((await stack.curl('/-/npm/v1/attestations/@acme%2fwidget@9.9.9')).status, 404);
  });

  test('a bundle about other bytes or another package is refused, and nothing is stored', async () => {
    const manifest = { name: '@acme/widget', version: '1.1.0', repository: 'github:acme/widget' };
    const tgz = await pack(await makePackage(stack.dir, manifest));
    // As npm's registry: the package.json must name the repository the provenance names.
    const elsewhere = { ...manifest, repository: 'https://github.com/nodejs/node' };
    const otherTgz = await pack(await makePackage(path.join(stack.dir, 'elsewhere'), elsewhere));
    const r = await put(manifest.name, withBundle(elsewhere, otherTgz, bundleFor(manifest.name, manifest.version, otherTgz)));
    assert.equal(r.status, 400, r.body);
    assert.match(json(r).error, /repository\.url.*expected to match "https:\/\/github\.com\/acme\/widget"/);
    const cases = [
      [bundleFor(manifest.name, manifest.version, tgz, { digest: 'ab'.repeat(64) }), /sha512/],
      [bundleFor(manifest.name, manifest.version, tgz, { subjectName: 'pkg:npm/%40acme/other@1.1.0' }), /subject/],
      [bundleFor(manifest.name, '1.0.0', tgz), /subject/],
      ['{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": ', /JSON/],
      [{ mediaType: 'text/plain' }, /Sigstore bundle/],
    ];
    for (const [bundle, why] of cases) {
      const r = await put(manifest.name, withBundle(manifest, tgz, bundle));
      assert.equal(r.status, 400, r.body);
      assert.match(json(r).error, why);
    }
    const doc = json(await stack.curl('/@acme%2fwidget'));
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
    assert.equal(await stack.sql('SELECT COUNT(*) FROM attestations'), '1');
  });

  test('the package page shows, per version, the publisher, the signature and the provenance', async () => {
    const plain = { name: '@acme/widget', version: '1.2.0' };
    const r = await stack.npm(['publish', '--access', 'public'], { cwd: await makePackage(stack.dir, plain), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const page = await stack.curl('/@acme/widget', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const items = page.body.split('<li').filter((l) => l.includes('class="supply'));
    const item = (v) => items.find((l) => l.includes(`>${v}</a>`));
    assert.match(item('1.0.0'), /by alice/);
    assert.match(item('1.0.0'), /provenance \(unverified\)/, 'depot does not check the Sigstore cryptography');
    assert.match(item('1.0.0'), /class="signed"/);
    assert.match(item('1.0.0'), /href="https:\/\/github\.com\/acme\/widget"/);
    assert.match(item('1.0.0'), /href="https:\/\/github\.com\/acme\/widget\/commit\/0123456789abcdef0123456789abcdef01234567"/);
    assert.match(item('1.0.0'), /\.github\/workflows\/publish\.yml/);
    assert.match(item('1.0.0'), /href="https:\/\/github\.com\/acme\/widget\/actions\/runs\/42\/attempts\/1"/);
    assert.match(item('1.2.0'), /class="signed"/);
    assert.doesNotMatch(item('1.2.0'), /provenance/);
  });

  test('in a browser, the version list links the provenance\'s repository, commit and build', { skip: !existsSync('/usr/bin/chromium') && 'no /usr/bin/chromium' }, async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await page.goto(`${stack.url}/@acme/widget`);
      const row = page.locator('ul.versions li', { hasText: '1.0.0' });
      assert.match(await row.locator('.publisher').innerText(), /by alice/);
      assert.equal(await row.locator('.signed').innerText(), 'signed');
      const links = await row.locator('.provenance a').evaluateAll((as) => as.map((a) => [a.textContent, a.href]));
      assert.deepEqual(links, [
        ['https://github.com/acme/widget', 'https://github.com/acme/widget'],
        ['0123456789ab', 'https://github.com/acme/widget/commit/0123456789abcdef0123456789abcdef01234567'],
        ['build', 'https://github.com/acme/widget/actions/runs/42/attempts/1'],
      ]);
      await mkdir(path.join(repo, 'tests/artifacts'), { recursive: true });
      await page.screenshot({ path: path.join(repo, 'tests/artifacts/package-provenance.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

// A GitHub Actions OIDC provider on loopback: the token endpoint npm asks
// (ACTIONS_ID_TOKEN_REQUEST_URL) and the JWKS depot trusts, as a file.
class FakeGitHub {
  constructor(dir) {
    this.dir = dir;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = privateKey;
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
    this.requestToken = randomUUID();
    this.claims = {};
    this.audiences = [];
  }

  jwt(overrides = {}) {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = {
      iss: 'https://token.actions.githubusercontent.com', aud: this.audience, sub: 'repo:acme/widget:ref:refs/heads/main',
      repository: 'acme/widget', repository_owner: 'acme', workflow_ref: 'acme/widget/.github/workflows/publish.yml@refs/heads/main',
      ref: 'refs/heads/main', jti: randomUUID(), iat: now, nbf: now - 5, exp: now + 300, ...this.claims, ...overrides,
    };
    const head = b64({ alg: 'RS256', typ: 'JWT', kid: this.jwk.kid });
    const body = b64(claims);
    return `${head}.${body}.${signData('sha256', Buffer.from(`${head}.${body}`), this.key).toString('base64url')}`;
  }

  async start() {
    this.jwksFile = path.join(this.dir, 'jwks.json');
    await writeFile(this.jwksFile, JSON.stringify({ keys: [this.jwk] }));
    this.server = http.createServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (req.headers.authorization !== `Bearer ${this.requestToken}`) { res.writeHead(401).end(); return; }
      this.audiences.push(u.searchParams.get('audience'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: this.jwt({ aud: u.searchParams.get('audience') }) }));
    });
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${this.server.address().port}/token?api-version=2.0`;
  }

  stop() { this.server?.close(); }
}

describe('trusted publishing', () => {
  let stack;
  let alice;
  let gh;
  let dir;
  let configId;
  const ciEnv = () => ({ GITHUB_ACTIONS: 'true', CI: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: gh.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: gh.requestToken });
  const exchange = (jwt, name = 'widget') => stack.curl(`/-/npm/v1/oidc/token/exchange/package/${name.replace('/', '%2f')}`,
    { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
  // npm trust parses its flags strictly (--cafile reads as a positional):
  // the connection settings go in the environment.
  const trust = (args, home) => sh(path.join(repo, 'tests/node_modules/.bin/npm'), ['trust', ...args], {
    cwd: stack.dir,
    env: { ...process.env, HOME: path.join(stack.dir, home), npm_config_registry: `${stack.url}/`, npm_config_cafile: stack.ca,
      npm_config_userconfig: path.join(stack.dir, home, '.npmrc'), npm_config_cache: path.join(stack.dir, home, 'cache'),
      npm_config_update_notifier: 'false', npm_config_loglevel: 'warn' },
  });
  const ciPublish = async (version, home = 'ci') => {
    await mkdir(path.join(stack.dir, home), { recursive: true });
    await writeFile(path.join(stack.dir, home, '.npmrc'), '');  // no token at all
    return stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'widget', version }), home, env: ciEnv() });
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'depot-oidc-'));
    gh = new FakeGitHub(dir);
    await gh.start();
    // GitLab.com's issuer, with the same test keys.
    stack = await Stack.start({ extraConf: `oidc_issuer_github_jwks = ${gh.jwksFile}\noidc_issuer_gitlab_jwks = ${gh.jwksFile}` });
    gh.audience = 'npm:127.0.0.1';
    alice = await account(stack, 'alice');
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'widget', version: '1.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    gh?.stop();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('npm trust github sets the one trusted publisher; npm trust list shows it; others may not', async () => {
    const r = await trust(['github', 'widget', '--repository', 'acme/widget', '--file', 'publish.yml', '--allow-publish', '--yes'], alice.home);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Trust configuration created successfully/);
    const list = await trust(['list', 'widget', '--json'], alice.home);
    assert.equal(list.code, 0, list.stderr);
    const config = JSON.parse(list.stdout);
    assert.equal(config.type, 'github');
    assert.equal(config.repository, 'acme/widget');
    assert.equal(config.file, 'publish.yml');
    assert.deepEqual(config.permissions, ['createPackage']);
    configId = config.id;
    const raw = json(await stack.curl('/-/package/widget/trust', { headers: alice.auth }));
    assert.deepEqual(raw, [{ id: configId, type: 'github', claims: { repository: 'acme/widget', workflow_ref: { file: 'publish.yml' } }, permissions: ['createPackage'] }]);
    // One per package, as on npm's registry.
    const again = await trust(['github', 'widget', '--repository', 'acme/other', '--file', 'x.yml', '--allow-publish', '--yes'], alice.home);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /409|already/);
    const bob = await account(stack, 'bob');
    const notOwner = await stack.curl('/-/package/widget/trust', { headers: bob.auth });
    assert.equal(notOwner.status, 403);
    const body = JSON.stringify([{ type: 'github', claims: { repository: 'bob/evil', workflow_ref: { file: 'x.yml' } }, permissions: ['createPackage'] }]);
    assert.equal((await stack.curl('/-/package/widget/trust', { method: 'POST', headers: { ...bob.auth, 'content-type': 'application/json' }, data: body })).status, 403);
    assert.equal((await stack.curl('/-/package/widget/trust', { method: 'POST', data: body, headers: { 'content-type': 'application/json' } })).status, 401);
  });

  test('npm publish from a simulated GitHub Actions job, with no npm token, publishes through the OIDC exchange', async () => {
    const r = await ciPublish('1.1.0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(gh.audiences, ['npm:127.0.0.1']);
    const doc = json(await stack.curl('/widget'));
    assert.deepEqual(doc.versions['1.1.0']._npmUser, {
      name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com',
      trustedPublisher: { id: 'github', oidcConfigId: `oidc:${configId}` },
    });
    assert.equal(doc.versions['1.0.0']._npmUser.name, 'alice');
    assert.equal(doc.versions['1.1.0'].dist.signatures.length, 1);
    const page = await stack.curl('/widget', { headers: { accept: 'text/html' } });
    assert.match(page.body, /by github \(trusted publisher\)/);
  });

  test('the exchange refuses a JWT for another repository or workflow, an expired one, a wrong audience, a replay, a forged signature', async () => {
    const refused = async (jwt, why) => {
      const r = await exchange(jwt);
      assert.equal(r.status, 401, `${why}: ${r.body}`);
      assert.match(json(r).error, why);
    };
    await refused(gh.jwt({ aud: 'npm:127.0.0.1', repository: 'evil/widget', workflow_ref: 'evil/widget/.github/workflows/publish.yml@refs/heads/main' }), /repository/);
    await refused(gh.jwt({ aud: 'npm:127.0.0.1', workflow_ref: 'acme/widget/.github/workflows/other.yml@refs/heads/main' }), /workflow/);
    await refused(gh.jwt({ aud: 'npm:127.0.0.1', exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/);
    await refused(gh.jwt({ aud: 'npm:registry.npmjs.org' }), /audience/);
    await refused(gh.jwt({ aud: 'npm:127.0.0.1', iss: 'https://evil.example' }), /issuer/);
    await refused(gh.jwt({ aud: 'npm:127.0.0.1', jti: undefined }), /jti/);
    const good = gh.jwt({ aud: 'npm:127.0.0.1' });
    const [h, p, s] = good.split('.');
    const forged = Buffer.from(p, 'base64url').toString().replace('acme', 'acmf');
    await refused(`${h}.${Buffer.from(forged).toString('base64url')}.${s}`, /signature/);
    await refused(`${h}.${p}.${s.slice(0, -4)}AAAA`, /signature/);
    await refused('not.a.jwt', /JWT/);
    const ok = await exchange(good);
    assert.equal(ok.status, 201, ok.body);
    await refused(good, /exchanged already/);
    // No trust config, or no such package: the same 401 (a valid CI token
    // must not tell which packages exist), and npm falls back to its other credentials.
    const none = await exchange(gh.jwt({ aud: 'npm:127.0.0.1' }), 'nothing-here');
    assert.equal(none.status, 401);
    assert.equal(json(none).error.replace('nothing-here', 'widget'), json(await exchange(gh.jwt({ aud: 'npm:127.0.0.1', repository: 'evil/x' }))).error);
  });

  test('the exchanged token publishes that package only, for minutes, and does nothing else', async () => {
    const { token } = json(await exchange(gh.jwt({ aud: 'npm:127.0.0.1' })));
    const auth = { authorization: `Bearer ${token}` };
    assert.equal(await stack.sql(`SELECT TIMESTAMPDIFF(SECOND, NOW(3), expires_at) <= 900 FROM tokens WHERE kind = 'oidc' ORDER BY id DESC LIMIT 1`), '1');
    const other = await pack(await makePackage(stack.dir, { name: 'other-pkg', version: '1.0.0' }));
    const put = (name, body) => stack.curl(`/${name}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, data: JSON.stringify(body) });
    assert.equal((await put('other-pkg', publishBody({ name: 'other-pkg', version: '1.0.0' }, other))).status, 403);
    const tag = await stack.curl('/-/package/widget/dist-tags/beta', { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, data: '"1.0.0"' });
    assert.equal(tag.status, 403, tag.body);
    assert.equal((await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, data: '{"password":"x"}' })).status, 403);
    assert.equal((await stack.curl('/-/package/widget/trust', { headers: auth })).status, 403);
    assert.equal((await stack.curl('/widget/-rev/1', { method: 'DELETE', headers: auth })).status, 403);
    // Provenance from CI must name the repository the package trusts.
    const m = { name: 'widget', version: '1.5.0', repository: 'github:evil/widget' };
    const tgz = await pack(await makePackage(path.join(stack.dir, 'prov'), m));
    const body = publishBody(m, tgz);
    const bundle = JSON.stringify(bundleFor('widget', '1.5.0', tgz));
    const evil = JSON.parse(bundle);
    const statement = JSON.parse(Buffer.from(evil.dsseEnvelope.payload, 'base64').toString());
    statement.predicate.buildDefinition.resolvedDependencies[0].uri = 'git+https://github.com/evil/widget@refs/heads/main';
    evil.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const text = JSON.stringify(evil);
    body._attachments['widget-1.5.0.sigstore'] = { content_type: 'application/vnd.dev.sigstore.bundle.v0.3+json', data: text, length: text.length };
    const prov = await put('widget', body);
    assert.equal(prov.status, 400, prov.body);
    assert.match(json(prov).error, /not the trusted publisher's https:\/\/github\.com\/acme\/widget/);
  });

  test('mfa=publish refuses token publishes with a message saying how, while trusted publishing still works', async () => {
    const { token } = json(await stack.curl('/-/npm/v1/tokens', { method: 'POST', headers: { ...alice.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ password: 'alice-password-1', name: 'ci', packages: ['widget'], packages_and_scopes_permission: 'read-write', bypass_2fa: true }) }));
    const set = await stack.curl('/-/package/widget/access', { method: 'POST', headers: { ...alice.auth, 'content-type': 'application/json' },
      data: JSON.stringify({ publish_requires_tfa: true, automation_token_overrides_tfa: false }) });
    assert.equal(set.status, 200, set.body);
    const automation = path.join(stack.dir, 'automation');
    await mkdir(automation, { recursive: true });
    await writeFile(path.join(automation, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${token}\n`);
    const denied = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'widget', version: '1.2.0' }), home: 'automation' });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /disallows tokens.*trusted publishing \(npm trust\)/);
    const ok = await ciPublish('1.2.0');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.ok(json(await stack.curl('/widget')).versions['1.2.0']._npmUser.trustedPublisher);
  });

  test('npm trust gitlab: a GitLab CI job of that project and file exchanges its ID token', async () => {
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'gl-widget', version: '1.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const t = await trust(['gitlab', 'gl-widget', '--project', 'acme/tools/widget', '--file', '.gitlab-ci.yml', '--allow-publish', '--yes'], alice.home);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    const gitlab = (claims) => gh.jwt({ iss: 'https://gitlab.com', aud: 'npm:127.0.0.1', repository: undefined, workflow_ref: undefined,
      project_path: 'acme/tools/widget', ci_config_ref_uri: 'gitlab.com/acme/tools/widget//.gitlab-ci.yml@refs/heads/main', ...claims });
    const ok = await exchange(gitlab({}), 'gl-widget');
    assert.equal(ok.status, 201, ok.body);
    const other = await exchange(gitlab({ ci_config_ref_uri: 'gitlab.com/acme/tools/widget//other.yml@refs/heads/main' }), 'gl-widget');
    assert.equal(other.status, 401, other.body);
    const project = await exchange(gitlab({ project_path: 'acme/tools/widget2' }), 'gl-widget');
    assert.equal(project.status, 401, project.body);
    // The pipeline file of another project whose path ends the same way.
    const suffix = await exchange(gitlab({ ci_config_ref_uri: 'gitlab.com/evil/acme/tools/widget//.gitlab-ci.yml@refs/heads/main' }), 'gl-widget');
    assert.equal(suffix.status, 401, suffix.body);
    // A GitHub token for a GitLab config: the issuer decides the type.
    assert.equal((await exchange(gh.jwt({ aud: 'npm:127.0.0.1' }), 'gl-widget')).status, 401);
    const { token } = json(ok);
    const tgz = await pack(await makePackage(stack.dir, { name: 'gl-widget', version: '1.1.0' }));
    const put = await stack.curl('/gl-widget', { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      data: JSON.stringify(publishBody({ name: 'gl-widget', version: '1.1.0' }, tgz)) });
    assert.equal(put.status, 201, put.body);
    assert.deepEqual(json(await stack.curl('/gl-widget')).versions['1.1.0']._npmUser.trustedPublisher.id, 'gitlab');
  });

  test('a trust config for staged publishing lets CI stage, not publish', async () => {
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'widget-stage', version: '1.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    const t = await trust(['github', 'widget-stage', '--repository', 'acme/widget', '--file', 'publish.yml', '--allow-stage-publish', '--yes'], alice.home);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    await mkdir(path.join(stack.dir, 'ci-stage'), { recursive: true });
    await writeFile(path.join(stack.dir, 'ci-stage', '.npmrc'), '');
    const pub = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'widget-stage', version: '1.1.0' }), home: 'ci-stage', env: ciEnv() });
    assert.notEqual(pub.code, 0);
    assert.match(pub.stderr, /403|does not allow publishing/);
    const stage = await stack.npm(['stage', 'publish'], { cwd: await makePackage(stack.dir, { name: 'widget-stage', version: '1.1.0' }), home: 'ci-stage', env: ciEnv() });
    assert.equal(stage.code, 0, stage.stdout + stage.stderr);
    assert.match(stage.stdout, /staged with id/);
    const list = json(await stack.curl('/-/stage?package=widget-stage', { headers: alice.auth }));
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].version, '1.1.0');
    assert.equal(list.items[0].actorType, 'trusted publisher');
    assert.deepEqual(Object.keys(json(await stack.curl('/widget-stage')).versions), ['1.0.0']);
  });

  test('npm trust revoke ends it: tokens minted under it stop, the exchange finds nothing', async () => {
    const { token } = json(await exchange(gh.jwt({ aud: 'npm:127.0.0.1' })));
    const r = await trust(['revoke', 'widget', '--id', configId], alice.home);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Revoked/);
    assert.equal((await exchange(gh.jwt({ aud: 'npm:127.0.0.1' }))).status, 401);
    const tgz = await pack(await makePackage(stack.dir, { name: 'widget', version: '1.3.0' }));
    const put = await stack.curl('/widget', { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      data: JSON.stringify(publishBody({ name: 'widget', version: '1.3.0' }, tgz)) });
    assert.equal(put.status, 401, put.body);
    assert.match(json(put).error, /revoked/);
    const list = await trust(['list', 'widget'], alice.home);
    assert.match(list.stdout, /No trust configurations/);
    assert.match((await ctl(stack, 'log', '--package', 'widget')).stdout, /untrust/);
  });
});

describe('a registry without a key-encryption key', () => {
  let stack;
  before(async () => { stack = await Stack.start({ extraConf: 'signing_kek_file =' }); });
  after(async () => { await stack?.stop(); });

  test('signs nothing and has no keys, so npm reports nothing missing', async () => {
    const alice = await account(stack, 'alice');
    const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'plain', version: '1.0.0' }), home: alice.home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stack.curl('/-/npm/v1/keys')).status, 404);
    assert.equal(json(await stack.curl('/plain')).versions['1.0.0'].dist.signatures, undefined);
    const keys = await ctl(stack, 'keys', 'create');
    assert.notEqual(keys.code, 0);
    assert.match(keys.stderr, /signing_kek_file/);
  });
});
