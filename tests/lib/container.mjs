// A Debian 12 machine for the package tests (issue 15): a root made once
// with debootstrap and kept in /var/cache/depot-test (the packages the depot
// package needs, MariaDB and nginx already in it, so a test installs the
// .deb with no network), booted with systemd-nspawn --boot on a copy-on-write
// overlay of that root, in a network namespace of its own joined to this
// machine by a veth pair. Root only.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { sh, spawnProcess } from './stack.mjs';

const cacheDir = process.env.DEPOT_TEST_ROOT_CACHE || '/var/cache/depot-test';
const mirror = process.env.DEPOT_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
const base = ['systemd', 'systemd-sysv', 'dbus', 'ca-certificates'];

// What the machine has before the test: a database and nginx, and the
// libraries of the package (a sanitized build needs its runtimes too).
export const machinePackages = [
  'mariadb-server', 'mariadb-client', 'nginx-light', 'ssl-cert', 'acl', 'adduser', 'openssl', 'curl',
  'libfcgi0ldbl', 'libmysqlcppconn7v5', 'libarchive13', 'libcmark-gfm0.29.0.gfm.6',
  'libcmark-gfm-extensions0.29.0.gfm.6', 'libqrencode4', 'libcurl4', 'libasan8', 'libubsan1',
];

const run = async (cmd, args, opts) => {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
  return r;
};

const nspawn = ['--quiet', '--register=no', '--keep-unit'];

// The cached root, made on first use (a few minutes; then reused).
export async function debianRoot() {
  const key = createHash('sha256').update(JSON.stringify([base, machinePackages, mirror])).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, `bookworm-${key}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  const t0 = Date.now();
  await run('debootstrap', ['--variant=minbase', `--include=${base.join(',')}`, 'bookworm', tmp, mirror],
    { timeout: 900_000 });
  await run('systemd-nspawn', [...nspawn, '-D', tmp, '--pipe', 'env', 'DEBIAN_FRONTEND=noninteractive',
    'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...machinePackages], { timeout: 600_000 });
  await run('systemd-nspawn', [...nspawn, '-D', tmp, '--pipe', 'apt-get', 'clean']);
  await writeFile(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  console.log(`debian root: made ${dir} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return dir;
}

// A free 10.253.N.0/24 for the machine's link (the cluster uses 10.254).
async function freeNet() {
  const routes = (await sh('ip', ['-4', 'route', 'show'])).stdout;
  for (let n = 40; n < 250; n++) {
    if (!routes.includes(`10.253.${n}.`) && !existsSync(`/run/netns/dpk${n}`)) return n;
  }
  throw new Error('no free 10.253.N.0/24');
}

export class Machine {
  // Boots a machine on an overlay of root; resolves once systemd says
  // running (or degraded).
  static async boot(root) {
    const m = new Machine();
    m.dir = await mkdtemp(path.join(os.tmpdir(), 'depot-machine-'));
    for (const d of ['upper', 'work', 'merged']) await mkdir(path.join(m.dir, d));
    m.merged = path.join(m.dir, 'merged');
    await run('mount', ['-t', 'overlay', 'overlay', '-o',
      `lowerdir=${root},upperdir=${m.dir}/upper,workdir=${m.dir}/work`, m.merged]);
    const n = await freeNet();
    m.netns = `dpk${n}`;
    m.link = `dpk${n}`;
    m.hostAddr = `10.253.${n}.1`;
    m.addr = `10.253.${n}.2`;
    await run('ip', ['netns', 'add', m.netns]);
    await run('ip', ['link', 'add', m.link, 'type', 'veth', 'peer', 'name', 'host0', 'netns', m.netns]);
    await run('ip', ['addr', 'add', `${m.hostAddr}/24`, 'dev', m.link]);
    await run('ip', ['link', 'set', m.link, 'up']);
    await run('ip', ['-n', m.netns, 'addr', 'add', `${m.addr}/24`, 'dev', 'host0']);
    await run('ip', ['-n', m.netns, 'link', 'set', 'host0', 'up']);
    await run('ip', ['-n', m.netns, 'link', 'set', 'lo', 'up']);
    await writeFile(path.join(m.merged, 'etc/hostname'), 'depot-test\n');
    m.proc = spawnProcess('systemd-nspawn', [...nspawn, '--boot', '-D', m.merged,
      `--network-namespace-path=/run/netns/${m.netns}`, '--machine=depot-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    m.console = '';
    m.proc.child.stdout.on('data', (d) => { m.console += d; });
    const t0 = Date.now();
    for (;;) {
      if (Date.now() - t0 > 120_000) throw new Error(`the machine did not boot:\n${m.console.slice(-3000)}`);
      await sleep(500);
      const leader = await m.findLeader();
      if (!leader) continue;
      const state = (await sh('nsenter', ['-t', String(leader), '-a', '--', 'systemctl', 'is-system-running'])).stdout.trim();
      if (state === 'running' || state === 'degraded') break;
    }
    m.bootSeconds = (Date.now() - t0) / 1000;
    return m;
  }

  // The container's PID 1: the child of systemd-nspawn.
  async findLeader() {
    const r = await sh('pgrep', ['-P', String(this.proc.child.pid)]);
    this.leader = Number(r.stdout.split('\n')[0]) || 0;
    return this.leader;
  }

  // A command inside the machine: {code, stdout, stderr}.
  exec(...cmd) {
    return sh('nsenter', ['-t', String(this.leader), '-a', '--', ...cmd], { timeout: 300_000 });
  }

  async shutdown() {
    if (this.proc) {
      this.proc.child.kill('SIGTERM');  // nspawn asks the machine's systemd to halt
      const done = await Promise.race([this.proc.exited, sleep(60_000).then(() => null)]);
      if (!done) {
        this.proc.child.kill('SIGKILL');
        await this.proc.exited;
      }
    }
    await sh('umount', ['-l', this.merged]);
    await sh('ip', ['netns', 'del', this.netns]);
    await sh('ip', ['link', 'del', this.link]);
    if (!process.env.DEPOT_KEEP_TMP) await rm(this.dir, { recursive: true, force: true });
  }

  async readFile(p) { return readFile(path.join(this.merged, p), 'utf8'); }
}
