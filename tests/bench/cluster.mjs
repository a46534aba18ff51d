#!/usr/bin/env node
// Issue 14's benchmark: reads and publishes through the load balancer of a
// deploy/cluster (two worker hosts) beside the same through one worker
// host's own address, in one run, alternating A B A B.
//
// Reads: wrk (Debian's) on a package document (npm's corgi, gzip) and on a
// tarball; per row the median req/s of the pairs, p99, and server CPU per
// request from /proc: every process of every host of the cluster (the hosts
// are mount namespaces; their processes are found by it). Publishes: four
// clients publishing new versions of their own packages for a fixed time.
// Prints numbers and asserts nothing. Root only (namespaces).
//
// Usage: node tests/bench/cluster.mjs [pairs=3] [seconds=5] [connections=16]

import { spawnSync } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

import { Cluster } from '../lib/cluster.mjs';
import { account, publishBody, tarball } from '../lib/packages.mjs';
import { client } from '../lib/stack.mjs';

const pairs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const connections = Number(process.argv[4] ?? 16);
const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);
const hosts = ['lb', 'worker1', 'worker2', 'db1', 'db2', 'db3'];

// CPU seconds (user + system) of every process of the cluster's hosts.
async function clusterCpu(cl) {
  const spaces = new Set();
  for (const h of hosts) {
    const anchor = (await readFile(path.join(cl.dir, 'hosts', h, 'anchor.pid'), 'utf8').catch(() => '')).trim();
    if (anchor) spaces.add(await readlink(`/proc/${anchor}/ns/mnt`).catch(() => ''));
  }
  let sum = 0;
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    if (!spaces.has(await readlink(`/proc/${e}/ns/mnt`).catch(() => null))) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    sum += Number(f[11]) + Number(f[12]);
  }
  return sum / ticks;
}

function wrk(url, headers) {
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const r = spawnSync('wrk', [...args, url], { encoding: 'utf8' });
  const m = (re) => r.stdout.match(re);
  const p99 = m(/99%\s+([\d.]+)(us|ms|s)/);
  return {
    rps: Number(m(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN),
    requests: Number(m(/(\d+) requests in/)?.[1] ?? 0),
    errors: Number(m(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) + Number(m(/Socket errors:.*timeout (\d+)/)?.[1] ?? 0),
    p99: p99 ? Number(p99[1]) * ({ us: 0.001, ms: 1, s: 1000 }[p99[2]]) : NaN,
  };
}

async function measure(cl, url, headers) {
  const before = await clusterCpu(cl);
  const w = wrk(url, headers);
  const cpu = await clusterCpu(cl) - before;
  return { ...w, cpuUs: w.requests ? (cpu / w.requests) * 1e6 : NaN };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (spawnSync('wrk', ['--version']).error) {
  console.error('cluster.mjs needs wrk: apt-get install wrk');
  process.exit(2);
}
const cl = await Cluster.start();
try {
  const alice = await account(cl, 'alice');
  const lb = client(cl);
  const put = async (c, m) => {
    const tgz = await tarball(path.join(cl.dir, 'bench'), m, { 'lib/data.js': `module.exports = ${JSON.stringify('x'.repeat(20000))};\n` });
    const r = await c.request('PUT', `/${m.name}`, { 'content-type': 'application/json', ...alice.auth },
      JSON.stringify(publishBody({ ...m, description: 'a package of thirty versions', license: 'MIT' }, tgz)));
    if (r.status !== 201) throw new Error(`publish ${m.name}@${m.version}: ${r.status} ${r.body}`);
  };
  for (let v = 0; v < 30; v++) await put(lb, { name: 'bench-doc', version: `1.0.${v}` });

  const rows = [
    ['document (corgi, gzip)', '/bench-doc', { accept: 'application/vnd.npm.install-v1+json', 'accept-encoding': 'gzip' }],
    ['tarball', '/bench-doc/-/bench-doc-1.0.29.tgz', {}],
  ];
  // wrk trusts no CA: it does not verify certificates; same for both sides.
  console.log(`reads: ${pairs} pairs of ${seconds} s, ${connections} connections; CPU is every process of the six hosts`);
  console.log('row                      | via LB (2 hosts) req/s  p99 ms  CPU µs/req | one host req/s  p99 ms  CPU µs/req | ratio');
  for (const [label, urlPath, headers] of rows) {
    const a = [];
    const b = [];
    for (let i = 0; i < pairs; i++) {
      a.push(await measure(cl, `${cl.url}${urlPath}`, headers));
      b.push(await measure(cl, `${cl.hosts[0]}${urlPath}`, headers));
    }
    const errs = [...a, ...b].reduce((t, x) => t + x.errors, 0);
    const f = (xs, k, d = 0) => median(xs.map((x) => x[k])).toFixed(d);
    console.log(`${label.padEnd(24)} | ${f(a, 'rps').padStart(22)} ${f(a, 'p99', 1).padStart(7)} ${f(a, 'cpuUs').padStart(11)} |` +
      ` ${f(b, 'rps').padStart(14)} ${f(b, 'p99', 1).padStart(7)} ${f(b, 'cpuUs').padStart(11)} |` +
      ` ${(median(a.map((x) => x.rps)) / median(b.map((x) => x.rps))).toFixed(2)}${errs ? ` (${errs} errors)` : ''}`);
  }

  // Publishes: four clients, each its own package, for `seconds` * 2.
  const publishes = async (base, tag) => {
    const before = await clusterCpu(cl);
    const until = Date.now() + seconds * 2000;
    let n = 0;
    await Promise.all([0, 1, 2, 3].map(async (k) => {
      const c = client(cl, { base });
      for (let v = 0; Date.now() < until; v++, n++) await put(c, { name: `bench-pub-${tag}-${k}`, version: `1.0.${v}` });
      c.close();
    }));
    return { rate: n / (seconds * 2), cpuMs: ((await clusterCpu(cl) - before) / n) * 1000 };
  };
  const pa = [];
  const pb = [];
  for (let i = 0; i < pairs; i++) {
    pa.push(await publishes(cl.url, `lb${i}`));
    pb.push(await publishes(cl.hosts[0], `one${i}`));
  }
  console.log(`publishes (4 clients): via LB ${median(pa.map((x) => x.rate)).toFixed(1)}/s, ` +
    `${median(pa.map((x) => x.cpuMs)).toFixed(1)} ms CPU each | one host ${median(pb.map((x) => x.rate)).toFixed(1)}/s, ` +
    `${median(pb.map((x) => x.cpuMs)).toFixed(1)} ms CPU each`);
  lb.close();
} finally {
  await cl.stop();
}
