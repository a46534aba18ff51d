#!/usr/bin/env node
// Password-check benchmark (issue 8, points 4 and 12): numbers, not asserts.
// Starts a private stack with the production PBKDF2 cost (600000 iterations)
// and prints:
//   1. a wrong password for a known name vs an unknown name (curl, least and
//      median of N tries each, interleaved), and their ratio;
//   2. /-/ping latency alone, then while 8 loops from 127.0.0.2 send wrong
//      Basic passwords (the review's flood), and how those loops were answered;
//   3. 50 requests with the right Basic password (npm's _auth): total time
//      with the remembered check, and the same with auth_cache_seconds = 0.
// Loopback only, bounded. Usage: node tests/bench/passwords.mjs [tries]

import { account } from '../lib/packages.mjs';
import { sh, Stack } from '../lib/stack.mjs';

const tries = Number(process.argv[2] ?? 10);
const basic = (name, pw) => `authorization: Basic ${Buffer.from(`${name}:${pw}`).toString('base64')}`;

async function timed(stack, header, extra = []) {
  const r = await sh('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--cacert', stack.ca,
    ...(header ? ['-H', header] : []), ...extra, `${stack.url}/-/whoami`]);
  const [code, t] = r.stdout.split(' ');
  return { code: Number(code), ms: Number(t) * 1000 };
}
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `least ${s[0].toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms`;
};

async function ping(stack, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await sh('curl', ['-sS', '-o', '/dev/null', '-w', '%{time_total}', '--cacert', stack.ca, `${stack.url}/-/ping`]);
    out.push(Number(r.stdout) * 1000);
  }
  return out;
}

async function rightPasswords(cacheSeconds) {
  const stack = await Stack.start({ workers: 4, extraConf: `password_iterations = 600000\nauth_cache_seconds = ${cacheSeconds}` });
  try {
    await account(stack, 'alice');
    const t0 = Date.now();
    let ok = 0;
    for (let i = 0; i < 50; i++) ok += (await timed(stack, basic('alice', 'alice-password-1'))).code === 200 ? 1 : 0;
    return `${Date.now() - t0} ms for 50 requests (${ok} answered 200)`;
  } finally {
    await stack.stop();
  }
}

let stack = await Stack.start({ workers: 4, extraConf: 'password_iterations = 600000\nauth_cache_seconds = 0' });
try {
  await account(stack, 'alice');
  const known = [];
  const unknown = [];
  for (let i = 0; i < tries; i++) {
    known.push((await timed(stack, basic('alice', 'wrong-password-1'))).ms);
    unknown.push((await timed(stack, basic('nosuchuser', 'wrong-password-1'))).ms);
  }
  const ratio = Math.min(...unknown) / Math.min(...known);
  console.log(`1. wrong password, known name:   ${summary(known)}`);
  console.log(`   wrong password, unknown name: ${summary(unknown)}`);
  console.log(`   unknown/known (least): ${ratio.toFixed(2)}`);
} finally {
  await stack.stop();
}

// The production limits of depot.conf.example for the flood (the test stacks lift them).
stack = await Stack.start({ workers: 4, extraConf: ['password_iterations = 600000', 'auth_checks_per_address = 30',
  'auth_checks_per_name = 10'].join('\n') });
try {
  console.log(`2. /-/ping alone: ${summary(await ping(stack, 20))}`);
  const answers = {};
  let flooding = true;
  const loop = async (i) => {
    for (let n = 0; flooding && n < 200; n++) {
      const r = await timed(stack, basic('nosuchuser', `x${i}-${n}`), ['--interface', '127.0.0.2']);
      answers[r.code] = (answers[r.code] ?? 0) + 1;
    }
  };
  const loops = Array.from({ length: 8 }, (_, i) => loop(i));
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`   /-/ping during the flood from 127.0.0.2: ${summary(await ping(stack, 20))}`);
  flooding = false;
  await Promise.all(loops);
  console.log(`   the flood was answered: ${JSON.stringify(answers)}`);
} finally {
  await stack.stop();
}
console.log(`3. right Basic password, remembered (auth_cache_seconds = 300): ${await rightPasswords(300)}`);
console.log(`   right Basic password, hashed each time (auth_cache_seconds = 0): ${await rightPasswords(0)}`);
