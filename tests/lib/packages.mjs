// Helpers to make real packages on disk and npm-shaped publish bodies.

import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { sh, npmBin } from './stack.mjs';

// Writes a package directory with package.json, index.js and README.md.
export async function makePackage(root, manifest, { readme = `# ${manifest.name}\n` } = {}) {
  const dir = path.join(root, 'src', manifest.name.replace('/', '__'), manifest.version);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ main: 'index.js', ...manifest }, null, 2));
  await writeFile(path.join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${manifest.name}@${manifest.version}`)};\n`);
  if (readme !== null) await writeFile(path.join(dir, 'README.md'), readme);
  return dir;
}

// npm pack of a package dir: the .tgz bytes.
export async function pack(dir) {
  const r = await sh(npmBin, ['pack', '--json', '--pack-destination', dir], { cwd: dir });
  if (r.code !== 0) throw new Error(r.stderr);
  const [info] = JSON.parse(r.stdout);
  return readFile(path.join(dir, info.filename));
}

export const sha1 = (b) => createHash('sha1').update(b).digest('hex');
export const integrity = (b) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

// The body npm publish sends (protocol §12.2); overrides shape bad variants.
export function publishBody(manifest, tgz, { tag = 'latest', access = null, attachmentName, dist } = {}) {
  const bare = manifest.name.includes('/') ? manifest.name.split('/')[1] : manifest.name;
  return {
    _id: manifest.name,
    name: manifest.name,
    description: manifest.description,
    'dist-tags': { [tag]: manifest.version },
    versions: {
      [manifest.version]: {
        ...manifest,
        _id: `${manifest.name}@${manifest.version}`,
        readme: `# ${manifest.name}\n`,
        dist: dist ?? { shasum: sha1(tgz), integrity: integrity(tgz),
          tarball: `http://depot.invalid/${manifest.name}/-/${bare}-${manifest.version}.tgz` },
      },
    },
    access,
    _attachments: {
      [attachmentName ?? `${manifest.name}-${manifest.version}.tgz`]: {
        content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length,
      },
    },
  };
}

// An npm account made with a raw adduser PUT; its token written to an npmrc
// in its own home, so stack.npm(args, { home: who.home }) acts as that user.
export async function account(stack, name) {
  const r = await stack.curl(`/-/user/org.couchdb.user:${name}`, { method: 'PUT',
    headers: { 'content-type': 'application/json' },
    data: JSON.stringify({ name, password: `${name}-password-1`, email: `${name}@example.com` }) });
  assert.equal(r.status, 201, r.body);
  const { token } = JSON.parse(r.body);
  const home = path.join(stack.dir, name);
  await mkdir(home, { recursive: true });
  // Every URL the registry answers on (a cluster's load balancer and hosts).
  const urls = stack.urls ?? [stack.url];
  await writeFile(path.join(home, '.npmrc'), urls.map((u) => `//${new URL(u).host}/:_authToken=${token}\n`).join(''));
  return { name, token, home: name, auth: { authorization: `Bearer ${token}` } };
}

// Every file under the stack's tarball directory, sorted.
export async function tarballFiles(stack) {
  const out = [];
  const walk = async (dir) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.join(dir, e.name));
    }
  };
  await walk(path.join(stack.dir, 'tarballs'));
  return out.sort();
}

const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

// The first depot link of the newest mail to `to` whose path is /-confirm or
// /-reset (SPEC §3: registration and reset links), as a URL.
export async function mailLink(stack, to, kind) {
  const mails = (await stack.mails()).filter((m) => m.toLowerCase().includes(`\nto: ${to.toLowerCase()}\n`));
  assert.ok(mails.length, `no mail to ${to}`);
  const m = mails.at(-1).match(new RegExp(`(https://\\S+/-${kind}\\?\\S+)`));
  assert.ok(m, mails.at(-1));
  return new URL(m[1]);
}

// A web account made as a person does (SPEC §3): POST / mails a link, and the
// button on its page (POST /-confirm) creates the account and shows its token.
// Optionally with an npm name and a password chosen on that page.
export async function webAccount(stack, email, { name, password } = {}) {
  const asked = await stack.curl('/', { method: 'POST', headers: formHeaders,
    data: `user=${encodeURIComponent(email)}` });
  assert.equal(asked.status, 202, asked.body);
  const link = await mailLink(stack, email, 'confirm');
  const fields = new URLSearchParams({ ct: link.searchParams.get('ct'), user: link.searchParams.get('user') });
  if (name) fields.set('name', name);
  if (password) fields.set('password', password);
  const made = await stack.curl('/-confirm', { method: 'POST', headers: formHeaders, data: fields.toString() });
  assert.equal(made.status, 201, made.body);
  const { token } = JSON.parse(made.body);
  return { email, name, token, auth: { authorization: `Bearer ${token}` } };
}

// POST /NAME create with a user token: the project token from the 303's ?pt=.
export async function createProject(stack, name, auth) {
  const r = await stack.curl(`/${name}`, { method: 'POST', headers: { ...formHeaders, ...auth }, data: 'create' });
  assert.equal(r.status, 303, r.body);
  return new URL(r.headers.location).searchParams.get('pt');
}

// The reset of SPEC §3 done as a person does: the mailed link's page, then its button.
export async function resetAccount(stack, email, { password, name, keepProjectTokens } = {}) {
  const asked = await stack.curl('/', { method: 'POST', headers: formHeaders,
    data: `user=${encodeURIComponent(email)}&reset=1` });
  assert.equal(asked.status, 202, asked.body);
  const link = await mailLink(stack, email, 'reset');
  const fields = new URLSearchParams({ rt: link.searchParams.get('rt'), user: link.searchParams.get('user') });
  if (password) fields.set('password', password);
  if (name) fields.set('name', name);
  if (keepProjectTokens) fields.set('keep_project_tokens', '1');
  const r = await stack.curl('/-reset', { method: 'POST', headers: formHeaders, data: fields.toString() });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body);
}

// A package tarball as npm packs it (package/package.json, package/index.js,
// plus extra files), made with GNU tar: much faster than npm pack for tests
// that need many packages. files: { 'path/under/package': 'content' }.
export async function tarball(root, manifest, files = {}) {
  const dir = path.join(root, 'tgz', `${manifest.name.replace('/', '__')}-${manifest.version}-${Math.random().toString(36).slice(2)}`);
  await mkdir(path.join(dir, 'package'), { recursive: true });
  const all = { 'package.json': JSON.stringify(manifest, null, 2), 'index.js': 'module.exports = 1;\n', ...files };
  for (const [name, content] of Object.entries(all)) {
    await mkdir(path.dirname(path.join(dir, 'package', name)), { recursive: true });
    await writeFile(path.join(dir, 'package', name), content);
  }
  const out = path.join(dir, 'p.tgz');
  const r = await sh('tar', ['-czf', out, '-C', dir, 'package']);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFile(out);
}
