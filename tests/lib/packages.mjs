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
  await writeFile(path.join(home, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${token}\n`);
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
