// The integration harness: a whole depot stack (its own MariaDB data dir,
// depot-fcgi, nginx with TLS) in a temp dir on free loopback ports, started
// with deploy/stack exactly as `deploy/local up` does, and torn down after.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binDir = process.env.DEPOT_BIN || path.join(repo, 'build');
export const npmBin = path.join(repo, 'tests/node_modules/.bin/npm');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Runs a command, never throws: {code, stdout, stderr}.
export async function sh(cmd, args, opts = {}) {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 64 << 20, ...opts });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) };
  }
}

// Test stacks hash passwords cheaply and lift the abuse limits, which only
// the tests that are about them set back (each test file gets its own stack).
export const testDefaults = [
  'password_iterations = 1000',
  'mail_from = depot@test.example',
  'auth_checks_per_address = 100000',
  'auth_checks_per_name = 100000',
  'mails_per_address = 100000',
  'mails_per_email = 100000',
  'signups_per_address = 100000',
  'web_logins_per_address = 100000',
  'links_per_user = 100000',
].join('\n');

export class Stack {
  // Mail always lands in DIR/mail (deploy/outbox-sendmail; see mails()).
  // extraConf lines come after the test defaults below and win over them.
  // env: extra environment for deploy/stack (DEPOT_NGINX_LOGIN_RATE…).
  static async start({ workers = 2, extraConf = '', maxBody = '', env = {} } = {}) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'depot-test-'));
    const s = new Stack(dir, await freePort(), await freePort());
    extraConf = `${testDefaults}\n${extraConf}`;
    s.env = {
      ...process.env,
      DEPOT_VAR: dir,
      DEPOT_BIN: binDir,
      DEPOT_HTTPS_PORT: String(s.httpsPort),
      DEPOT_HTTP_PORT: String(s.httpPort),
      DEPOT_WORKERS: String(workers),
      DEPOT_EXTRA_CONF: extraConf,
      DEPOT_NGINX_LOGIN_RATE: '10000r/s',
      DEPOT_NGINX_LOGIN_BURST: '10000',
      DEPOT_NGINX_BASIC_RATE: '10000r/s',
      DEPOT_NGINX_BASIC_BURST: '10000',
      ...(maxBody ? { DEPOT_MAX_BODY: maxBody } : {}),
      ...env,
    };
    const r = await s.ctl('up');
    if (r.code !== 0) {
      await s.stop();
      throw new Error(`stack did not start:\n${r.stdout}\n${r.stderr}`);
    }
    return s;
  }

  constructor(dir, httpsPort, httpPort) {
    this.dir = dir;
    this.httpsPort = httpsPort;
    this.httpPort = httpPort;
    this.url = `https://127.0.0.1:${httpsPort}`;
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
    this.ca = path.join(dir, 'tls/ca.pem');
    this.config = path.join(dir, 'depot.conf');
  }

  ctl(command) {
    return sh('bash', [path.join(repo, 'deploy/stack'), command], { env: this.env });
  }

  async stop() {
    await this.ctl('down');
    if (!process.env.DEPOT_KEEP_TMP) await rm(this.dir, { recursive: true, force: true });
  }

  // curl against the stack; returns {status, headers (lower-case), body}.
  async curl(urlPath, { method = 'GET', headers = {}, data, base = this.url, extra = [] } = {}) {
    const args = ['-sS', '-i', '--http1.1', '--cacert', this.ca, '-X', method];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    if (data !== undefined) {
      // Through a file: bodies can be larger than a command line.
      const file = path.join(this.dir, `curl-body-${process.pid}-${this.bodies = (this.bodies ?? 0) + 1}`);
      await writeFile(file, data);
      args.push('--data-binary', `@${file}`);
    }
    args.push(...extra, base + urlPath);
    const r = await sh('curl', args);
    if (r.code !== 0) throw new Error(`curl ${urlPath}: ${r.stderr}`);
    return parseHttp(r.stdout);
  }

  // The real npm CLI with a private userconfig and cache in the stack dir.
  async npm(args, { cwd = this.dir, home = 'npm-home', env = {}, registry = this.url + '/' } = {}) {
    const h = path.join(this.dir, home);
    return sh(npmBin, [
      ...args,
      '--registry', registry,
      '--cafile', this.ca,
      '--userconfig', path.join(h, '.npmrc'),
      '--cache', path.join(h, 'cache'),
      '--update-notifier=false',
      '--fund=false',
    ], { cwd, env: { ...process.env, HOME: h, npm_config_loglevel: 'warn', ...env } });
  }

  async log(name) {
    return readFile(path.join(this.dir, 'log', name), 'utf8').catch(() => '');
  }
}

// Parses curl -i output, skipping interim 1xx responses.
export function parseHttp(text) {
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const head = end < 0 ? rest : rest.slice(0, end);
    const body = end < 0 ? '' : rest.slice(end + 4);
    const lines = head.split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    if (status >= 100 && status < 200 && end >= 0) {
      rest = body;
      continue;
    }
    const headers = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      // Several Set-Cookie headers: one per line, in order.
      headers[name] = name === 'set-cookie' && headers[name] ? `${headers[name]}\n${value}` : value;
    }
    return { status, headers, body };
  }
}

// Requests over one keep-alive agent (curl per request is too slow for
// loads); never throws: status 0 for a connection that failed.
export function client(stack, { base = stack.url, localAddress } = {}) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32, localAddress });
  let ca;
  const request = async (method, urlPath, headers = {}, body) => {
    ca ??= await readFile(stack.ca);
    return new Promise((resolve) => {
      const req = https.request(`${base}${urlPath}`, { method, headers, ca, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(),
          raw: Buffer.concat(chunks) }));
        res.on('error', () => resolve({ status: 0, body: 'response error' }));
      });
      req.on('error', (e) => resolve({ status: 0, body: String(e) }));
      req.end(body);
    });
  };
  return { request, close: () => agent.destroy() };
}

export function spawnProcess(cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited, stderr: () => stderr };
}

// Runs the real npm CLI under a pseudo-terminal (util-linux `script`), so its
// prompts (Username, Password, Email) can be answered as a person would:
// answers maps a prompt pattern to the line typed when that prompt appears
// (or to a function of the output so far that returns it).
// onOutput(text) sees the output as it arrives (for web login URLs).
Stack.prototype.npmInteractive = function npmInteractive(args, { answers = [], home = 'npm-home', onOutput,
  timeoutMs = 60000, cwd = this.dir } = {}) {
  const h = path.join(this.dir, home);
  const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
  const cmd = [npmBin, ...args, '--registry', this.url + '/', '--cafile', this.ca,
    '--userconfig', path.join(h, '.npmrc'), '--cache', path.join(h, 'cache'),
    '--update-notifier=false', '--fund=false'].map(quote).join(' ');
  const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
    cwd, env: { ...process.env, HOME: h, TERM: 'dumb', NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const pending = [...answers];
  const onData = (d) => {
    out += d;
    onOutput?.(out);
    while (pending.length && pending[0][0].test(out)) {
      const [, line] = pending.shift();
      // A function answers from what was printed so far (a TOTP secret, say).
      const text = typeof line === 'function' ? line(out) : line;
      out += '\n';  // so the same prompt text does not match twice
      child.stdin.write(`${text}\r`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: out });
    });
  });
};

// The npmrc a home dir ended with (tokens land here).
Stack.prototype.npmrc = async function npmrc(home = 'npm-home') {
  return readFile(path.join(this.dir, home, '.npmrc'), 'utf8').catch(() => '');
};

// SQL as root on the stack's private MariaDB, for checks of what is stored.
Stack.prototype.sql = async function sql(query) {
  const r = await sh('mariadb', ['--no-defaults', `--socket=${path.join(this.dir, 'run/mysqld.sock')}`,
    '-uroot', '-N', '-B', 'depot', '-e', query]);
  if (r.code !== 0) throw new Error(`sql: ${r.stderr}`);
  return r.stdout.trim();
};

// The messages deploy/outbox-sendmail stored, oldest first.
Stack.prototype.mails = async function mails() {
  const dir = path.join(this.dir, 'mail');
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.eml')).sort();
  return Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')));
};
