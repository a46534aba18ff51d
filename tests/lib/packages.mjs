// Helpers to make real packages on disk and npm-shaped publish bodies.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
