#!/usr/bin/env node
// Issue 9's benchmark: depot's reads against nginx serving the very same
// bytes as static files, over the same TLS, side by side in one run.
//
// Starts a private stack (deploy/stack, as the tests do), publishes packages
// of 1, 300 and 2000 versions with realistic manifests through the publish
// API, and a 57 KB tarball; copies the bytes depot serves (gzip, as npm asks)
// into the root of a second, static nginx on another port with the same
// certificate; then drives both with wrk (Debian's), alternating A B A B,
// and prints per row: req/s of each, the ratio, server CPU per request from
// /proc (depot: its nginx + depot-fcgi + MariaDB; static: its nginx), p50
// and p99 — the median of the pairs. Then the cost of publishing one more
// version to a 10-version package and to a 20 000-version one (seeded in
// the database; a ~40 MB document). It prints numbers and asserts nothing.
//
// Usage: node tests/bench/documents.mjs [pairs=5] [seconds=5] [connections=16]

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';

import { fakeRegistry } from '../lib/fake-registry.mjs';
import { account, publishBody, tarball } from '../lib/packages.mjs';
import { freePort, sh, Stack } from '../lib/stack.mjs';

const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 5);
const connections = Number(process.argv[4] ?? 16);
const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

if (spawnSync('wrk', ['--version']).error) {
  console.error('documents.mjs needs wrk: apt-get install wrk');
  process.exit(2);
}

// A package.json as real ones look: dependencies, scripts, repository…
function manifest(name, version, i) {
  const deps = {};
  for (let d = 0; d < 8; d++) deps[`dep-${d}-${name.length}`] = `^${1 + ((i + d) % 9)}.${d}.0`;
  return {
    name, version,
    description: `A realistic package used to measure ${name}, release ${version}: ` +
      'it parses, validates and formats things the way a typical library on the registry does, ' +
      'with options for streaming, caching and retries, and a command line for quick checks.',
    main: 'index.js',
    types: 'index.d.ts',
    scripts: { build: 'tsc -p .', test: 'node --test', lint: 'eslint .' },
    repository: { type: 'git', url: `git+https://git.example.com/team/${name}.git` },
    bugs: { url: `https://git.example.com/team/${name}/issues` },
    homepage: `https://git.example.com/team/${name}#readme`,
    keywords: ['bench', 'registry', 'depot', 'npm'],
    author: { name: 'Bench Author', email: 'bench@example.com' },
    license: 'MIT',
    engines: { node: '>=18' },
    dependencies: deps,
    devDependencies: { typescript: '^5.4.0', eslint: '^9.0.0', '@types/node': '^20.0.0' },
    peerDependencies: { react: '>=17' },
    peerDependenciesMeta: { react: { optional: true } },
    files: ['index.js', 'index.d.ts', 'lib/'],
    exports: { '.': { types: './index.d.ts', import: './index.mjs', require: './index.js' }, './package.json': './package.json' },
    funding: { type: 'opencollective', url: `https://opencollective.com/${name}` },
    contributors: [{ name: 'First Contributor', email: 'first@example.com' }, { name: 'Second Contributor', email: 'second@example.com' }],
  };
}

function request(stack, ca, method, urlPath, headers, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${stack.url}${urlPath}`, { method, headers, ca, agent: stack.agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.end(body); else req.end();
  });
}

async function publish(stack, ca, auth, m, files = {}) {
  const tgz = await tarball(path.join(stack.dir, 'bench'), m, files);
  const body = JSON.stringify(publishBody(m, tgz));
  const t0 = process.hrtime.bigint();
  const r = await request(stack, ca, 'PUT', `/${m.name}`, { 'content-type': 'application/json', ...auth }, body);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 201) throw new Error(`publish ${m.name}@${m.version}: ${r.status} ${r.body}`);
  return { ms, tgz };
}

// Processes and their CPU (user + system) from /proc, in seconds.
async function children(pid) {
  const out = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) out.push(Number(e));
  }
  return out;
}
async function cpuOf(pids) {
  let sum = 0;
  for (const p of pids) {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    sum += Number(fields[11]) + Number(fields[12]);  // utime, stime
  }
  return sum / ticks;
}
const pidFile = async (f) => Number((await readFile(f, 'utf8')).trim());

function wrk(url, headers) {
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  const num = (re) => { const m = r.stdout.match(re); return m ? m : null; };
  const ms = (m) => {
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const total = num(/(\d+) requests in/);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN),
    requests: Number(total?.[1] ?? 0),
    p50: ms(num(/50%\s+([\d.]+)(us|ms|s)/)),
    p99: ms(num(/99%\s+([\d.]+)(us|ms|s)/)),
    errors: Number(non2xx?.[1] ?? 0),
  };
}

async function measure(url, headers, pids) {
  const before = await cpuOf(pids);
  const w = wrk(url, headers);
  const cpu = await cpuOf(pids) - before;
  return { ...w, cpuUs: w.requests ? (cpu / w.requests) * 1e6 : NaN };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// Proxied documents (issue 11): a plain-HTTP registry upstream of depot
// (proxy-* names only), read once through depot to fill the cache, then
// measured like local ones.
const upstream = await fakeRegistry();
const stack = await Stack.start({ workers: 4, extraConf: [
  `uplink_up = ${upstream.url}`, 'proxy = proxied-*:up', 'uplink_maxage = 3600'].join('\n') });
let staticPid = 0;
try {
  const ca = await readFile(stack.ca);
  stack.agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const alice = await account(stack, 'alice');
  const auth = alice.auth;
  console.log('publishing 1, 300 and 2000 versions, and a 57 KB tarball…');
  // BENCH_QUICK=1: 1, 30 and 200 versions, to try the script itself.
  const quick = process.env.BENCH_QUICK === '1';
  const sizes = { 'one-version': 1, 'three-hundred': quick ? 30 : 300, 'two-thousand': quick ? 200 : 2000 };
  for (const [name, n] of Object.entries(sizes)) {
    for (let i = 0; i < n; i++) await publish(stack, ca, auth, manifest(name, `1.${Math.floor(i / 100)}.${i % 100}`, i));
  }
  // Incompressible content: the tarball is ~57 KB whatever gzip does.
  await publish(stack, ca, auth, manifest('tarball-pkg', '1.0.0', 0), { 'data.bin': randomBytes(56 * 1024) });
  const tgzPath = '/tarball-pkg/-/tarball-pkg-1.0.0.tgz';
  const smallTgz = await tarball(path.join(stack.dir, 'bench'), manifest('proxied-three-hundred', '1.0.0', 0));
  for (let i = 0; i < sizes['three-hundred']; i++) {
    upstream.add(manifest('proxied-three-hundred', `1.${Math.floor(i / 100)}.${i % 100}`, i), smallTgz);
  }
  const proxiedTgz = manifest('proxied-tarball', '1.0.0', 0);
  upstream.add(proxiedTgz, await tarball(path.join(stack.dir, 'bench'), proxiedTgz, { 'data.bin': randomBytes(56 * 1024) }));

  // The static server: the bytes depot sends, as files, same certificate.
  const root = path.join(stack.dir, 'static-root');
  await mkdir(root, { recursive: true });
  const corgi = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
  const rows = [
    { label: 'full packument, 1 version', path: '/one-version', accept: 'application/json' },
    { label: 'full packument, 300 versions', path: '/three-hundred', accept: 'application/json' },
    { label: 'abbreviated, 300 versions', path: '/three-hundred', accept: corgi },
    { label: 'full packument, 2000 versions', path: '/two-thousand', accept: 'application/json' },
    { label: '304 revalidation, 300 versions', path: '/three-hundred', accept: 'application/json', revalidate: true },
    { label: 'tarball, 57 KB', path: tgzPath, accept: '*/*', tarball: true },
    { label: 'proxied full, 300 versions (cached)', path: '/proxied-three-hundred', accept: 'application/json' },
    { label: 'proxied abbreviated, 300 versions', path: '/proxied-three-hundred', accept: corgi },
    { label: 'proxied tarball, 57 KB (cached)', path: '/proxied-tarball/-/proxied-tarball-1.0.0.tgz', accept: '*/*', tarball: true },
  ];
  for (const [i, row] of rows.entries()) {
    // The first read of a proxied name fills the cache; what is measured is the second's path.
    await request(stack, ca, 'GET', row.path, { accept: row.accept, 'accept-encoding': 'gzip' });
    const r = await request(stack, ca, 'GET', row.path, { accept: row.accept, 'accept-encoding': 'gzip' });
    if (r.status !== 200) throw new Error(`${row.path}: ${r.status}`);
    row.bytes = r.body.length;
    row.depotEtag = r.headers.etag;
    row.staticPath = row.tarball ? `/r${i}.tgz` : `/r${i}.json`;
    await writeFile(path.join(root, row.tarball ? `r${i}.tgz` : `r${i}.json.gz`), r.body);
  }
  const port = await freePort();
  const conf = path.join(stack.dir, 'static-nginx.conf');
  await mkdir(path.join(stack.dir, 'static-tmp'), { recursive: true });
  await writeFile(conf, `${process.getuid() === 0 ? 'user root;' : ''}
worker_processes 2;
pid ${stack.dir}/run/static-nginx.pid;
error_log ${stack.dir}/log/static-nginx-error.log warn;
events { worker_connections 1024; }
http {
  client_body_temp_path ${stack.dir}/static-tmp;
  access_log ${stack.dir}/log/static-access.log;
  sendfile on;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${stack.dir}/tls/server.pem;
    ssl_certificate_key ${stack.dir}/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:static_tls:10m;
    root ${root};
    location / {
      gzip_static always;
      gunzip on;
      types { application/json json; application/octet-stream tgz; }
      add_header Cache-Control "public, max-age=0, must-revalidate";
    }
  }
}
`);
  const nginx = (await sh('bash', ['-c', 'command -v nginx || echo /usr/sbin/nginx'])).stdout.trim();
  const started = await sh(nginx, ['-c', conf, '-p', stack.dir]);
  if (started.code !== 0) throw new Error(started.stderr);
  staticPid = await pidFile(path.join(stack.dir, 'run/static-nginx.pid'));
  const staticUrl = `https://127.0.0.1:${port}`;
  for (const row of rows) {
    const r = await sh('curl', ['-sS', '-k', '-D', '-', '-o', '/dev/null', '-H', 'Accept-Encoding: gzip', staticUrl + row.staticPath]);
    row.staticEtag = (r.stdout.match(/etag: (.*)\r/i) ?? [])[1];
  }

  const depotNginx = await pidFile(path.join(stack.dir, 'run/nginx.pid'));
  const depotPids = [depotNginx, ...(await children(depotNginx)),
    await pidFile(path.join(stack.dir, 'run/depot-fcgi.pid')), await pidFile(path.join(stack.dir, 'run/mariadb.pid'))];
  const staticPids = [staticPid, ...(await children(staticPid))];

  console.log(`\nreads: wrk -t2 -c${connections} -d${seconds}s, Accept-Encoding: gzip, HTTPS on both, ` +
    `${pairs} alternating pairs (median); CPU = server processes' user+system time per request`);
  const head = ['read', 'bytes', 'static req/s', 'depot req/s', 'ratio', 'CPU µs static', 'CPU µs depot', 'CPU ratio',
    'p50/p99 ms static', 'p50/p99 ms depot'];
  const table = [head];
  for (const row of rows) {
    const a = [];
    const b = [];
    for (let p = 0; p < pairs; p++) {
      const h = { 'Accept-Encoding': 'gzip', Accept: row.accept };
      a.push(await measure(staticUrl + row.staticPath, row.revalidate ? { ...h, 'If-None-Match': row.staticEtag } : h, staticPids));
      b.push(await measure(stack.url + row.path, row.revalidate ? { ...h, 'If-None-Match': row.depotEtag } : h, depotPids));
    }
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const errA = a.reduce((s, x) => s + x.errors, 0);
    const errB = b.reduce((s, x) => s + x.errors, 0);
    const note = errA || errB ? ` (errors: static ${errA}, depot ${errB})` : '';
    table.push([row.label + note, String(row.bytes),
      m(a, 'rps').toFixed(0), m(b, 'rps').toFixed(0), (m(b, 'rps') / m(a, 'rps')).toFixed(2),
      m(a, 'cpuUs').toFixed(0), m(b, 'cpuUs').toFixed(0), (m(b, 'cpuUs') / m(a, 'cpuUs')).toFixed(2),
      `${m(a, 'p50').toFixed(2)}/${m(a, 'p99').toFixed(2)}`, `${m(b, 'p50').toFixed(2)}/${m(b, 'p99').toFixed(2)}`]);
  }
  const widths = head.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log('| ' + r.map((x, c) => x.padEnd(widths[c])).join(' | ') + ' |');

  // Writes: one more version to a 10-version package and to a 20 000-version one.
  console.log('\nwrites: seeding a 10-version package and a 20 000-version one…');
  for (let i = 0; i < 10; i++) await publish(stack, ca, auth, manifest('ten-versions', `1.0.${i}`, i));
  await publish(stack, ca, auth, manifest('twenty-thousand', '9.0.0', 0));
  const one = JSON.stringify(manifest('twenty-thousand', '0.0.0', 1)).replace(/'/g, "''");
  await stack.sql(`INSERT INTO versions (package_id, version, manifest, shasum, integrity, size, published_by, published_at)
    SELECT p.id, CONCAT('0.', s.seq DIV 1000, '.', s.seq MOD 1000), REPLACE('${one}', '0.0.0', CONCAT('0.', s.seq DIV 1000, '.', s.seq MOD 1000)),
      SHA1(s.seq), CONCAT('sha512-', TO_BASE64(UNHEX(SHA2(s.seq, 512)))), 1000, v.published_by, NOW(3) - INTERVAL 1 DAY
    FROM seq_1_to_19999 s JOIN packages p ON p.name = 'twenty-thousand'
    JOIN versions v ON v.package_id = p.id AND v.version = '9.0.0'`);
  await rm(path.join(stack.dir, 'documents/public/twenty-thousand'), { recursive: true, force: true });
  const t0 = Date.now();
  const big = await request(stack, ca, 'GET', '/twenty-thousand', { accept: 'application/json', 'accept-encoding': 'gzip' });
  const firstBuild = Date.now() - t0;
  const full = await request(stack, ca, 'GET', '/twenty-thousand', { accept: 'application/json' });
  console.log(`20 000 versions: full document ${(full.body.length / 1e6).toFixed(1)} MB (${(big.body.length / 1e6).toFixed(1)} MB gzipped), ` +
    `built from the rows on its first read in ${firstBuild} ms`);
  // CPU is counted in 10 ms ticks: summed over every publish, then divided.
  const costs = { 'ten-versions': [], 'twenty-thousand': [] };
  const cpu = { 'ten-versions': 0, 'twenty-thousand': 0 };
  const rounds = Math.max(10, 2 * pairs);
  for (let i = 0; i < rounds; i++) {
    for (const name of Object.keys(costs)) {
      const m = manifest(name, `10.0.${i}`, i);
      const before = await cpuOf(depotPids);
      const { ms } = await publish(stack, ca, auth, m);
      cpu[name] += (await cpuOf(depotPids) - before) * 1000;
      costs[name].push(ms);
    }
  }
  const small = median(costs['ten-versions']);
  const large = median(costs['twenty-thousand']);
  console.log(`publish one more version (median round trip on loopback of ${rounds}; mean server CPU):`);
  console.log(`  to 10 versions:     ${small.toFixed(1)} ms / ${(cpu['ten-versions'] / rounds).toFixed(1)} ms CPU`);
  console.log(`  to 20 000 versions: ${large.toFixed(1)} ms / ${(cpu['twenty-thousand'] / rounds).toFixed(1)} ms CPU` +
    `   ratio ${(large / small).toFixed(2)}`);
  const after = await request(stack, ca, 'GET', '/twenty-thousand', { accept: 'application/json' });
  const sum = createHash('sha256').update(after.body).digest('hex').slice(0, 12);
  console.log(`  (the 20 000-version document after them: ${Object.keys(JSON.parse(after.body).versions).length} versions, sha256 ${sum}…)`);
} finally {
  if (staticPid) spawnSync('kill', [String(staticPid)]);
  stack.agent?.destroy();
  await stack.stop();
  await upstream.close();
}
