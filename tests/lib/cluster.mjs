// A depot cluster for a test (issue 14): deploy/cluster in a temp dir, with
// its own namespaces and /24 (it picks one no other cluster uses). The
// Stack helpers (curl, npm) go through the load balancer unless told a
// host's own URL.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { binDir, repo, sh, Stack, testDefaults } from './stack.mjs';

function parseEnv(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (!m) continue;
    // printf %q quotes a value with spaces as 'a b' or a\ b.
    env[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/\\(.)/g, '$1');
  }
  return env;
}

export class Cluster extends Stack {
  // extraConf(env) gives depot.conf lines once the addresses are known.
  static async start({ extraConf = () => '', workers = 3 } = {}) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'depot-cluster-'));
    const c = new Cluster(dir);
    c.env = {
      ...process.env,
      DEPOT_CLUSTER_VAR: dir,
      DEPOT_BIN: binDir,
      DEPOT_WORKERS: String(workers),
      DEPOT_NGINX_LOGIN_RATE: '10000r/s',
      DEPOT_NGINX_LOGIN_BURST: '10000',
      DEPOT_NGINX_BASIC_RATE: '10000r/s',
      DEPOT_NGINX_BASIC_BURST: '10000',
    };
    // The addresses are chosen before anything starts.
    c.vars = parseEnv((await c.ctl('env')).stdout);
    c.env.DEPOT_EXTRA_CONF = `${testDefaults}\n${extraConf(c.vars)}`;
    const r = await c.ctl('up');
    if (r.code !== 0) {
      await c.stop();
      throw new Error(`cluster did not start:\n${r.stdout}\n${r.stderr}`);
    }
    return c;
  }

  constructor(dir) {
    super(dir, 0, 0);
    this.ca = path.join(dir, 'tls/ca.pem');
  }

  set vars(v) {
    this._vars = v;
    this.url = v.DEPOT_URL.replace(/\/$/, '');
    this.httpUrl = v.DEPOT_HTTP_URL.replace(/\/$/, '');
    this.hosts = v.DEPOT_HOSTS.split(' ').map((u) => u.replace(/\/$/, ''));
    this.clientAddrs = v.DEPOT_CLIENT_ADDRS.split(' ');
    this.urls = [this.url, ...this.hosts];
  }

  get vars() { return this._vars; }

  ctl(command, ...args) {
    return sh('bash', [path.join(repo, 'deploy/cluster'), command, ...args], { env: this.env });
  }

  async stop() {
    const r = await this.ctl('down');
    if (r.code !== 0) console.log(`cluster down: ${r.stderr}`);
    if (!process.env.DEPOT_KEEP_TMP) await rm(this.dir, { recursive: true, force: true });
  }

  // A command on one of the cluster's hosts.
  exec(host, ...cmd) { return this.ctl('exec', host, ...cmd); }

  // depotctl on a worker host, with that host's config.
  depotctl(host, ...args) {
    return this.exec(host, path.join(binDir, 'depotctl'), '--config',
      path.join(this.dir, 'hosts', host, 'depot.conf'), ...args);
  }

  // SQL as root on one database node, over its own socket.
  async sqlOn(node, query) {
    const r = await sh('mariadb', ['--no-defaults', `--socket=${path.join(this.dir, 'hosts', node, 'mysqld/mysqld.sock')}`,
      '-uroot', '-N', '-B', 'depot', '-e', query]);
    if (r.code !== 0) throw new Error(`sql on ${node}: ${r.stderr}`);
    return r.stdout.trim();
  }

  sql(query) { return this.sqlOn('db2', query); }

  async log(name, host = 'worker1') {
    const { readFile } = await import('node:fs/promises');
    return readFile(path.join(this.dir, 'hosts', host, 'log', name), 'utf8').catch(() => '');
  }
}
