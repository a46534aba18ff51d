// Clients beyond npm (issue 4, point 11): pnpm 10 and yarn 4 (berry) install
// packages published to depot, over HTTPS with depot's CA.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage } from '../lib/packages.mjs';
import { repo, sh, Stack } from '../lib/stack.mjs';

const pnpmBin = path.join(repo, 'tests/node_modules/pnpm/bin/pnpm.cjs');
const yarnBin = path.join(repo, 'tests/node_modules/@yarnpkg/cli-dist/bin/yarn.js');

describe('pnpm and yarn against depot', () => {
  let stack;
  before(async () => {
    stack = await Stack.start({ extraConf: 'password_iterations = 1000' });
    const alice = await account(stack, 'alice');
    const publish = async (manifest, args = []) => {
      const r = await stack.npm(['publish', ...args], { cwd: await makePackage(stack.dir, manifest), home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    };
    await publish({ name: 'leaf-pkg', version: '1.0.0' });
    await publish({ name: 'leaf-pkg', version: '2.0.0-beta.1' }, ['--tag', 'beta']);
    await publish({ name: 'proto-pkg', version: '1.1.0', dependencies: { 'leaf-pkg': 'beta' } });
    await publish({ name: '@acme/widget', version: '0.1.0', dependencies: { 'proto-pkg': '^1.0.0' } }, ['--access', 'public']);
  });
  after(async () => { await stack?.stop(); });

  const project = async (name) => {
    const dir = path.join(stack.dir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true,
      dependencies: { '@acme/widget': '^0.1.0' } }));
    return dir;
  };
  const requireAll = (dir) => sh('node', ['-e',
    "const w=require.resolve('@acme/widget');console.log(require(w), require(require.resolve('proto-pkg',{paths:[w]})))"], { cwd: dir });

  test('pnpm install resolves the tree from depot (corgi documents, %2F names)', async () => {
    const dir = await project('pnpm-app');
    await writeFile(path.join(dir, '.npmrc'), `registry=${stack.url}/\ncafile=${stack.ca}\n`);
    const r = await sh('node', [pnpmBin, 'install', '--reporter=append-only', `--store-dir=${path.join(stack.dir, 'pnpm-store')}`],
      { cwd: dir, env: { ...process.env, HOME: dir, npm_config_update_notifier: 'false' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lock = await readFile(path.join(dir, 'pnpm-lock.yaml'), 'utf8');
    assert.match(lock, /leaf-pkg@2\.0\.0-beta\.1/);
    assert.match(lock, /integrity: sha512-/);
    const req = await requireAll(dir);
    assert.equal(req.stdout.trim(), '@acme/widget@0.1.0 proto-pkg@1.1.0');
    const log = await stack.log('access.log');
    assert.match(log, /GET \/@acme%2Fwidget HTTP/, 'pnpm asks with an upper-case %2F');
  });

  test('yarn add (berry) installs from depot with its CA', async () => {
    const dir = await project('yarn-app');
    await writeFile(path.join(dir, 'yarn.lock'), '');
    await writeFile(path.join(dir, '.yarnrc.yml'), [
      `npmRegistryServer: "${stack.url}"`,
      `httpsCaFilePath: "${stack.ca}"`,
      'npmMinimalAgeGate: 0',
      'nodeLinker: node-modules',
      'enableGlobalCache: false',
      'enableTelemetry: false',
      `cacheFolder: "${path.join(dir, '.yarn-cache')}"`,
    ].join('\n') + '\n');
    const env = { ...process.env, HOME: dir, YARN_ENABLE_TELEMETRY: '0', COREPACK_ENABLE_STRICT: '0' };
    const r = await sh('node', [yarnBin, 'add', 'leaf-pkg@beta'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const install = await sh('node', [yarnBin, 'install'], { cwd: dir, env });
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const req = await requireAll(dir);
    assert.equal(req.stdout.trim(), '@acme/widget@0.1.0 proto-pkg@1.1.0');
    const lock = await readFile(path.join(dir, 'yarn.lock'), 'utf8');
    assert.match(lock, /leaf-pkg@npm:beta"?:\n  version: 2\.0\.0-beta\.1/);
    assert.match(await stack.log('access.log'), /GET \/@acme%2fwidget\/-\/widget-0\.1\.0\.tgz/, 'yarn builds its own encoded tarball URL');
  });
});
