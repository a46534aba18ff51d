#!/usr/bin/env node
// Read benchmark: how close are depot's reads to nginx serving a static file?
// Starts a private stack (like the tests), publishes one package, then for a
// few seconds each hammers, over HTTPS keep-alive on loopback:
//   - a static file nginx serves itself (/-/static/depot.css): the ceiling
//   - GET /NAME full packument (worker + one indexed SELECT of stored bytes)
//   - GET /NAME abbreviated packument
//   - GET /NAME with If-None-Match (304)
//   - GET tarball (worker decides, nginx sends the file via X-Accel-Redirect)
// and prints requests/second and latency percentiles. Bounded in time and
// count, loopback only. Usage: node tests/bench/reads.mjs [seconds] [concurrency]

import https from 'node:https';
import { readFile } from 'node:fs/promises';

import { account, makePackage } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 16);
const maxRequests = 200000;

async function run(stack, ca, label, path, headers = {}) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca });
  const latencies = [];
  const deadline = Date.now() + seconds * 1000;
  let errors = 0;
  const one = () => new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = https.get(`${stack.url}${path}`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode >= 400) errors++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
  });
  const worker = async () => {
    while (Date.now() < deadline && latencies.length < maxRequests) await one();
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  console.log(`${label.padEnd(34)} ${(latencies.length / elapsed).toFixed(0).padStart(7)} req/s  ` +
    `p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  errors ${errors}`);
}

const stack = await Stack.start({ workers: 4, extraConf: 'password_iterations = 1000' });
try {
  const alice = await account(stack, 'alice');
  const r = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'bench-pkg', version: '1.0.0' }), home: alice.home });
  if (r.code !== 0) throw new Error(r.stderr);
  const ca = await readFile(stack.ca);
  const etag = (await stack.curl('/bench-pkg', { headers: { accept: 'application/json' } })).headers.etag;
  console.log(`depot read benchmark: ${seconds}s each, ${concurrency} connections, HTTPS keep-alive on loopback`);
  await run(stack, ca, 'static file (nginx alone)', '/-/static/depot.css');
  await run(stack, ca, 'packument, full', '/bench-pkg', { accept: 'application/json' });
  await run(stack, ca, 'packument, abbreviated', '/bench-pkg', { accept: 'application/vnd.npm.install-v1+json' });
  await run(stack, ca, 'packument, 304 revalidation', '/bench-pkg', { accept: 'application/json', 'if-none-match': etag });
  await run(stack, ca, 'tarball (X-Accel-Redirect)', '/bench-pkg/-/bench-pkg-1.0.0.tgz');
} finally {
  await stack.stop();
}
