// Surviving faults (issue 10): worker processes killed with SIGKILL during
// hundreds of publishes leave the store, the database and the documents in
// agreement; a killed worker and a reload under read load cost no read;
// racing first publishes of one name end as one 201 and 409s, never a 5xx.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { account, publishBody, tarball } from '../lib/packages.mjs';
import { binDir, client, sh, Stack } from '../lib/stack.mjs';

async function workerPids(stack) {
  const sup = (await readFile(path.join(stack.dir, 'run/depot-fcgi.pid'), 'utf8')).trim();
  const r = await sh('pgrep', ['-P', sup]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

// Every file under the tarball store but its .tmp, relative.
async function storeFiles(stack) {
  const root = path.join(stack.dir, 'tarballs');
  const out = [];
  const walk = async (dir, rel) => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (rel === '' && e.name === '.tmp') continue;
      if (e.isDirectory()) await walk(path.join(dir, e.name), path.join(rel, e.name));
      else out.push(path.join(rel, e.name));
    }
  };
  await walk(root, '');
  return out.sort();
}

// A read load on what only a worker answers; counts what failed.
function readLoad(c, urlPath, connections = 8) {
  const stats = { ok: 0, failed: [] };
  let running = true;
  const loop = async () => {
    while (running) {
      const r = await c.request('GET', urlPath);
      if (r.status === 200) stats.ok++;
      else stats.failed.push(`${r.status} ${r.body.slice(0, 120)}`);
    }
  };
  const done = Promise.all(Array.from({ length: connections }, loop));
  return { stats, stop: async () => { running = false; await done; } };
}

describe('surviving faults', () => {
  let stack;
  let alice;
  let c;
  let seen201 = 0;  // publishes clients saw succeed, each counted before its answer left
  before(async () => {
    stack = await Stack.start({ workers: 4, extraConf: 'processes = 2' });
    alice = await account(stack, 'alice');
    c = client(stack);
  });
  after(async () => {
    c?.close();
    await stack?.stop();
  });

  const ctl = (...args) => sh(path.join(binDir, 'depotctl'), ['--config', stack.config, ...args]);
  const put = (m, tgz) => c.request('PUT', `/${m.name}`, { 'content-type': 'application/json', ...alice.auth },
    JSON.stringify(publishBody(m, tgz)));

  // After faults: once up again and swept with no grace period (nothing is
  // in flight), every 201 has its version, every version its file, no file
  // lacks a version, no upload is left, and the documents as served are
  // what the rows say (equal to a rebuild from them).
  const agree = async (names, outcomes) => {
    for (let i = 0; i < 100 && (await c.request('GET', '/-/ping')).status !== 200; i++) await sleep(100);
    const swept = await ctl('sweep', '--age', '0');
    assert.equal(swept.code, 0, swept.stderr);
    console.log(`sweep: ${swept.stdout.trim()}`);
    const like = names.map((n) => `'${n}'`).join(',');
    const rows = (await stack.sql(`SELECT CONCAT(p.name, '@', v.version) FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name IN (${like})`))
      .split('\n').filter(Boolean);
    const versions = new Set(rows);
    for (const o of outcomes.filter((x) => x.status === 201)) assert.ok(versions.has(`${o.name}@${o.version}`), `${o.name}@${o.version}`);
    const keys = new Set((await stack.sql('SELECT tarball_key FROM versions WHERE tarball_key IS NOT NULL')).split('\n').filter(Boolean));
    for (const key of keys) await stat(path.join(stack.dir, 'tarballs', key));
    const orphans = (await storeFiles(stack)).filter((f) => !keys.has(f));
    assert.deepEqual(orphans, [], 'files no version uses');
    assert.equal(await stack.sql('SELECT COUNT(*) FROM uploads'), '0');
    const docs = async () => Promise.all(names.map(async (n) => {
      const r = await c.request('GET', `/${n}`, { accept: 'application/json' });
      if (r.status === 404) return null;  // never created
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body);
    }));
    const served = await docs();
    for (const [i, n] of names.entries()) {
      assert.deepEqual(Object.keys(served[i]?.versions ?? {}).sort(),
        [...versions].filter((k) => k.startsWith(`${n}@`)).map((k) => k.split('@')[1]).sort());
    }
    assert.equal((await ctl('rebuild-packuments')).code, 0);
    assert.deepEqual(await docs(), served);
  };

  test('two worker processes under one supervisor; status tells them apart from a dead pool', async () => {
    assert.equal((await workerPids(stack)).length, 2);
    const status = await stack.ctl('status');
    assert.match(status.stdout, /depot-fcgi: running/);
    assert.match(status.stdout, /depot-fcgi workers: 2 processes/);
  });

  test('a worker killed under read load costs no read; the supervisor starts another', async () => {
    const load = readLoad(c, '/-/ping');
    await sleep(300);
    const [victim] = await workerPids(stack);
    process.kill(victim, 'SIGKILL');
    await sleep(1000);
    await load.stop();
    console.log(`worker killed under load: ${load.stats.ok} reads answered, ${load.stats.failed.length} failed`);
    assert.deepEqual(load.stats.failed, [], `${load.stats.failed.length} failed of ${load.stats.ok}`);
    assert.ok(load.stats.ok > 50, `${load.stats.ok} reads`);
    const now = await workerPids(stack);
    assert.equal(now.length, 2);
    assert.ok(!now.includes(victim));
  });

  test('a reload (supervisor and every worker run again from disk) under read load costs no read', async () => {
    const before = await workerPids(stack);
    const supervisor = (await readFile(path.join(stack.dir, 'run/depot-fcgi.pid'), 'utf8')).trim();
    const load = readLoad(c, '/-/ping');
    await sleep(300);
    assert.equal((await stack.ctl('fcgi-reload')).code, 0);
    await sleep(1500);
    await load.stop();
    console.log(`reload under load: ${load.stats.ok} reads answered, ${load.stats.failed.length} failed`);
    assert.deepEqual(load.stats.failed, [], `${load.stats.failed.length} failed of ${load.stats.ok}`);
    const after = await workerPids(stack);
    assert.equal(after.length, 2);
    assert.ok(after.every((p) => !before.includes(p)), 'every worker was replaced');
    // The supervisor exec'd itself: the same pid, the same socket, a new binary image.
    assert.equal((await readFile(path.join(stack.dir, 'run/depot-fcgi.pid'), 'utf8')).trim(), supervisor);
    assert.match(await stack.log('depot-fcgi.log'), /reloading: running the binary on disk again/);
  });

  test('a reload with a config that does not start is refused: the running workers go on', async () => {
    const { writeFile } = await import('node:fs/promises');
    const before = await workerPids(stack);
    const good = await readFile(stack.config, 'utf8');
    await writeFile(stack.config, `${good}\nno_such_key = 1\n`);
    try {
      const load = readLoad(c, '/-/ping');
      assert.equal((await stack.ctl('fcgi-reload')).code, 0);
      await sleep(1500);
      await load.stop();
      assert.deepEqual(load.stats.failed, []);
      assert.deepEqual((await workerPids(stack)).sort(), before.sort(), 'the same workers');
      assert.match(await stack.log('depot-fcgi.log'), /reload refused/);
    } finally {
      await writeFile(stack.config, good);
    }
  });

  test('50 trials of 8 concurrent first publishes of one name: one 201, seven 409, never a 5xx', async () => {
    const tally = {};
    for (let trial = 0; trial < 50; trial++) {
      const name = `race-${trial}`;
      const bodies = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        tarball(path.join(stack.dir, 'race'), { name, version: '1.0.0' }, { 'who.txt': `racer ${i}\n` })));
      const results = await Promise.all(bodies.map((tgz) => put({ name, version: '1.0.0' }, tgz)));
      const statuses = results.map((r) => r.status).sort();
      for (const s of statuses) tally[s] = (tally[s] ?? 0) + 1;
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409],
        `trial ${trial}: ${results.map((r) => `${r.status} ${r.body}`).join(' | ')}`);
    }
    console.log(`race: ${JSON.stringify(tally)}`);
    seen201 += tally[201] ?? 0;
  });

  test('the sweep removes a file a killed publish stored but never recorded, once old enough', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const key = 'ghost-pkg/ghost-pkg-1.0.0-0123456789abcdef.tgz';
    await mkdir(path.join(stack.dir, 'tarballs/ghost-pkg'), { recursive: true });
    await writeFile(path.join(stack.dir, 'tarballs', key), 'bytes of a publish whose worker died');
    await stack.sql(`INSERT INTO uploads (tarball_key) VALUES ('${key}')`);
    const young = await ctl('sweep', '--age', '3600');
    assert.match(young.stdout, /^0 tarballs never recorded/);
    await stat(path.join(stack.dir, 'tarballs', key));  // a publish may still be running
    const old = await ctl('sweep', '--age', '0');
    assert.match(old.stdout, /^1 tarballs never recorded/);
    await assert.rejects(stat(path.join(stack.dir, 'tarballs', key)));
    assert.equal(await stack.sql('SELECT COUNT(*) FROM uploads'), '0');
  });

  test('kill -9 of workers during 200 publishes: store, rows and documents agree', async () => {
    const names = ['kill-a', 'kill-b', 'kill-c', 'kill-d'];
    let next = 0;
    let kills = 0;
    const outcomes = [];
    // At least 200 publishes and 30 kills, and at most two minutes.
    const until = Date.now() + 120_000;
    const publisher = async (name) => {
      for (let v = 0; (next < 200 || kills < 30) && Date.now() < until; v++) {
        next++;
        const m = { name, version: `1.0.${v}` };
        const tgz = await tarball(path.join(stack.dir, 'kill'), m);
        outcomes.push({ ...m, status: (await put(m, tgz)).status });
      }
    };
    let killing = true;
    const killer = async () => {
      while (killing) {
        await sleep(60 + Math.random() * 120);
        const pids = await workerPids(stack);
        if (pids.length === 0) continue;
        try {
          process.kill(pids[Math.floor(Math.random() * pids.length)], 'SIGKILL');
          kills++;
        } catch { /* already gone */ }
      }
    };
    const k = killer();
    await Promise.all(names.map(publisher));
    killing = false;
    await k;
    const created = outcomes.filter((o) => o.status === 201).length;
    seen201 += created;
    console.log(`kill test: ${kills} kills during ${outcomes.length} publishes, ${created} created, ` +
      `statuses ${JSON.stringify(outcomes.reduce((t, o) => ({ ...t, [o.status]: (t[o.status] ?? 0) + 1 }), {}))}`);
    assert.ok(kills >= 30, `${kills} kills`);
    assert.ok(outcomes.length >= 200);

    await agree(names, outcomes);
  });

  test("GET /-/metrics: the host's counters from every worker process, for allowed addresses only", async () => {
    for (let i = 0; i < 20; i++) await c.request('GET', '/-/ping');
    const r = await stack.curl('/-/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    const value = (re) => Number((r.body.match(re) ?? [])[1] ?? NaN);
    // Hundreds of pings went to two processes, some since replaced: one sum.
    assert.ok(value(/^depot_requests_total\{route="GET \/-\/ping",status="200"\} (\d+)$/m) > 100, r.body);
    const puts = value(/^depot_requests_total\{route="PUT \/\{pkg\}",status="201"\} (\d+)$/m);
    assert.ok(seen201 >= 100 && puts >= seen201, `${puts} counted, ${seen201} seen by clients`);
    assert.ok(value(/^depot_worker_restarts_total (\d+)$/m) >= 30, "the kill test's restarts");
    assert.match(r.body, /^depot_request_duration_seconds_bucket\{route="GET \/-\/ping",le="\+Inf"\} \d+$/m);
    assert.match(r.body, /^depot_lock_retries_total \d+$/m);
    assert.ok(!/token|password|alice/.test(r.body), 'no secret, no name');
    const away = await stack.curl('/-/metrics', { extra: ['--interface', '127.0.0.2'] });
    assert.equal(away.status, 404);
  });

  test('kill -9 of the supervisor takes its workers down; status says so; a start brings it back', async () => {
    const supervisor = Number((await readFile(path.join(stack.dir, 'run/depot-fcgi.pid'), 'utf8')).trim());
    const workers = await workerPids(stack);
    process.kill(supervisor, 'SIGKILL');
    const alive = (pid) => { try { process.kill(pid, 0); return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };
    for (let i = 0; i < 50 && workers.some(alive); i++) await sleep(100);
    assert.deepEqual(workers.filter(alive), [], 'no worker outlives its supervisor');
    assert.match((await stack.ctl('status')).stdout, /depot-fcgi: stopped/);
    assert.equal((await stack.ctl('fcgi-start')).code, 0);
    assert.equal((await workerPids(stack)).length, 2);
    for (let i = 0; i < 50 && (await c.request('GET', '/-/ping')).status !== 200; i++) await sleep(100);
    assert.equal((await c.request('GET', '/-/ping')).status, 200);
  });

  test('kill -9 of MariaDB and of the whole service during publishes: the same agreement', async () => {
    const names = ['crash-a', 'crash-b'];
    const outcomes = [];
    let publishing = true;
    const publisher = async (name) => {
      for (let v = 0; publishing; v++) {
        const m = { name, version: `1.0.${v}` };
        const tgz = await tarball(path.join(stack.dir, 'crash'), m);
        outcomes.push({ ...m, status: (await put(m, tgz)).status });
        if (outcomes.at(-1).status >= 500) await sleep(50);
      }
    };
    const running = Promise.all(names.map(publisher));
    const mariadb = async () => Number((await readFile(path.join(stack.dir, 'run/mariadb.pid'), 'utf8')).trim());
    const supervisor = async () => Number((await readFile(path.join(stack.dir, 'run/depot-fcgi.pid'), 'utf8')).trim());
    for (let round = 0; round < 2; round++) {
      await sleep(700);
      process.kill(await mariadb(), 'SIGKILL');  // InnoDB recovers at the next start
      await sleep(300);
      assert.equal((await stack.ctl('db-start')).code, 0);
      await sleep(700);
      process.kill(await supervisor(), 'SIGKILL');  // and every worker with it
      await sleep(300);
      assert.equal((await stack.ctl('fcgi-start')).code, 0);
    }
    await sleep(700);
    publishing = false;
    await running;
    const tally = outcomes.reduce((t, o) => ({ ...t, [o.status]: (t[o.status] ?? 0) + 1 }), {});
    console.log(`crash test: 2 MariaDB and 2 service kills during ${outcomes.length} publishes: ${JSON.stringify(tally)}`);
    assert.ok(outcomes.filter((o) => o.status === 201).length > 5);
    await agree(names, outcomes);
  });
});

describe('a full store and a database that refuses writes', () => {
  let stack;
  let alice;
  let mounted = [];
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    // Small file systems of their own under the stack's stores (root only).
    for (const dir of ['tarballs', 'documents']) {
      const r = await sh('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', path.join(stack.dir, dir)]);
      if (r.code === 0) mounted.push(path.join(stack.dir, dir));
    }
  });
  after(async () => {
    for (const m of mounted) await sh('umount', [m]);
    await stack?.stop();
  });

  const json = { 'content-type': 'application/json' };
  const publish = async (m) => stack.curl(`/${m.name}`, { method: 'PUT', headers: { ...json, ...alice.auth },
    data: JSON.stringify(publishBody(m, await tarball(path.join(stack.dir, 'full'), m))) });
  // Fills the file system under dir but for `spare` bytes.
  const fill = async (dir, spare) => {
    const df = await sh('df', ['--output=avail', '-B1', dir]);
    const avail = Number(df.stdout.trim().split('\n').pop());
    const r = await sh('fallocate', ['-l', String(Math.max(4096, avail - spare)), path.join(dir, 'filler')]);
    assert.equal(r.code, 0, r.stderr);
  };
  const unfill = (dir) => sh('rm', ['-f', path.join(dir, 'filler')]);
  const state = async () => ({
    versions: await stack.sql("SELECT GROUP_CONCAT(v.version ORDER BY v.id) FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = 'full-pkg'"),
    uploads: await stack.sql('SELECT COUNT(*) FROM uploads'),
    files: (await storeFiles(stack)).filter((f) => f !== 'filler'),
  });
  const readsWork = async () => {
    const doc = await stack.curl('/full-pkg', { headers: { accept: 'application/json' } });
    assert.equal(doc.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(doc.body).versions), ['1.0.0']);
    assert.equal((await stack.curl('/full-pkg/-/full-pkg-1.0.0.tgz')).status, 200);
  };

  test('a publish to a full tarball store or document store is a 507 that changes nothing; reads go on', async (t) => {
    if (mounted.length !== 2) return t.skip('needs root to mount small file systems');
    assert.equal((await publish({ name: 'full-pkg', version: '1.0.0' })).status, 201);
    const tarballs = path.join(stack.dir, 'tarballs');
    const documents = path.join(stack.dir, 'documents');
    const before = await state();

    await fill(tarballs, 0);
    const r1 = await publish({ name: 'full-pkg', version: '1.0.1' });
    assert.equal(r1.status, 507, r1.body);
    assert.match(JSON.parse(r1.body).error, /storage is full/);
    assert.deepEqual(await state(), before);
    await readsWork();
    await unfill(tarballs);

    await fill(documents, 0);
    const r2 = await publish({ name: 'full-pkg', version: '1.0.1' });
    assert.equal(r2.status, 507, r2.body);
    assert.deepEqual(await state(), before);
    await readsWork();
    await unfill(documents);

    assert.equal((await publish({ name: 'full-pkg', version: '1.0.1' })).status, 201);
  });

  test('a database in read-only mode: writes get a 503 that changes nothing; reads go on', async () => {
    if (!(await stack.sql("SELECT COUNT(*) FROM packages WHERE name = 'full-pkg'")).startsWith('1')) {
      assert.equal((await publish({ name: 'full-pkg', version: '1.0.0' })).status, 201);
    }
    const before = await state();
    await stack.sql('SET GLOBAL read_only = 1');
    try {
      const r = await publish({ name: 'full-pkg', version: '2.0.0' });
      assert.equal(r.status, 503, r.body);
      assert.match(JSON.parse(r.body).error, /cannot take writes/);
      const tag = await stack.curl('/-/package/full-pkg/dist-tags/beta', { method: 'PUT', headers: { ...json, ...alice.auth }, data: '"1.0.0"' });
      assert.equal(tag.status, 503, tag.body);
      assert.equal((await stack.curl('/full-pkg', { headers: { accept: 'application/json' } })).status, 200);
      // A token holder reads on too (its last use is not written).
      assert.equal((await stack.curl('/-/whoami', { headers: alice.auth })).status, 200);
    } finally {
      await stack.sql('SET GLOBAL read_only = 0');
    }
    assert.deepEqual(await state(), before);
  });
});
