// Several hosts (issue 14): deploy/cluster's two worker hosts behind a load
// balancer, a three-node Galera cluster and a replicated GlusterFS store, each
// host in its own network namespace. A publish through one host is read at
// once through the other; tokens, rate limits and client addresses are one
// registry's; and killing a worker host, then a database node, under installs
// and publishes loses nothing.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';

import { Cluster } from '../lib/cluster.mjs';
import { account, makePackage, publishBody, tarball } from '../lib/packages.mjs';
import { fakeRegistry } from '../lib/fake-registry.mjs';
import { client, freePort } from '../lib/stack.mjs';

const root = process.getuid?.() === 0;

// npm's own retry of a request whose connection died, made quicker than its
// default (10 s, then 60 s): a client of a cluster retries as any npm does.
const npmRetries = {
  npm_config_fetch_retries: '5',
  npm_config_fetch_retry_mintimeout: '1000',
  npm_config_fetch_retry_maxtimeout: '4000',
};

describe('several hosts: deploy/cluster', { skip: !root && 'needs root (namespaces)' }, () => {
  let cl;
  let alice;
  let me;
  let other;
  let fake;  // an uplink for xup-* names, on this machine's address in the cluster
  before(async () => {
    const port = await freePort();
    cl = await Cluster.start({
      extraConf: (v) => [
        `metrics_allow = ${v.DEPOT_CLIENT_ADDRS.split(' ')[0]}/32`,
        'auth_checks_per_name = 8',
        `uplink_fake = http://${v.DEPOT_CLIENT_ADDRS.split(' ')[0]}:${port}`,
        'uplink_fake_timeout = 10',
        'proxy = xup-*:fake',
      ].join('\n'),
    });
    [me, other] = cl.clientAddrs;
    fake = await fakeRegistry({ host: me, port });
    alice = await account(cl, 'alice');
  });
  after(async () => {
    await cl?.stop();
    await fake?.close();
  });

  const whoami = (token, opts = {}) => cl.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` }, ...opts });

  test('read-your-writes: published through worker1, installed and found through worker2 at once', async () => {
    const [w1, w2] = cl.hosts;
    const dir = await makePackage(path.join(cl.dir, 'ryw'), { name: 'ryw-pkg', version: '1.0.0', description: 'read your writes' });
    const pub = await cl.npm(['publish'], { cwd: dir, home: alice.home, registry: `${w1}/` });
    assert.equal(pub.code, 0, pub.stderr);
    const t0 = Date.now();
    const doc = await cl.curl('/ryw-pkg', { base: w2, headers: { accept: 'application/vnd.npm.install-v1+json' } });
    assert.equal(doc.status, 200, doc.body);
    assert.deepEqual(Object.keys(JSON.parse(doc.body).versions), ['1.0.0']);
    const search = await cl.curl('/-/v1/search?text=ryw-pkg', { base: w2 });
    assert.equal(JSON.parse(search.body).objects[0]?.package.name, 'ryw-pkg', search.body);
    const proj = path.join(cl.dir, 'ryw-install');
    await mkdir(proj, { recursive: true });
    const inst = await cl.npm(['install', 'ryw-pkg'], { cwd: proj, home: 'ryw-home', registry: `${w2}/` });
    assert.equal(inst.code, 0, inst.stderr);
    const ms = Date.now() - t0;
    assert.equal(JSON.parse(await readFile(path.join(proj, 'node_modules/ryw-pkg/package.json'), 'utf8')).version, '1.0.0');
    console.log(`read-your-writes: document, search and npm install through worker2 within ${ms} ms of the publish through worker1`);

    // And back: a new version through worker2 is the latest on worker1 at once.
    const dir2 = await makePackage(path.join(cl.dir, 'ryw'), { name: 'ryw-pkg', version: '1.0.1' });
    assert.equal((await cl.npm(['publish'], { cwd: dir2, home: alice.home, registry: `${w2}/` })).code, 0);
    const back = JSON.parse((await cl.curl('/ryw-pkg', { base: w1 })).body);
    assert.equal(back['dist-tags'].latest, '1.0.1');
    assert.deepEqual(Object.keys(back.versions).sort(), ['1.0.0', '1.0.1']);
  });

  test('uplinks: concurrent misses on both hosts make one upstream request per document and per tarball', async () => {
    const m = { name: 'xup-conc', version: '1.0.0' };
    fake.add(m, await tarball(cl.dir, m), { delayMs: 1500 });
    const [w1, w2] = cl.hosts;
    const docs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      cl.curl('/xup-conc', { base: i % 2 ? w2 : w1, headers: { accept: 'application/json' } })));
    for (const d of docs) {
      assert.equal(d.status, 200, d.body);
      assert.equal(JSON.parse(d.body).versions['1.0.0'].dist.tarball, `${cl.url}/xup-conc/-/xup-conc-1.0.0.tgz`);
    }
    const gets = fake.asked('xup-conc').filter((r) => r.method === 'GET' && !r.url.includes('.tgz'));
    assert.equal(gets.length, 1, `one document request for both hosts: ${gets.map((r) => r.url).join(', ')}`);
    const tgz = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      cl.curl('/xup-conc/-/xup-conc-1.0.0.tgz', { base: i % 2 ? w2 : w1 })));
    for (const t of tgz) assert.equal(t.status, 200, t.body);
    assert.equal(fake.asked('xup-conc-1.0.0.tgz').length, 1, 'one tarball request for both hosts');
  });

  test('a token made on one host works on the other; revoked on that one, it is refused on the first', async () => {
    const [w1, w2] = cl.hosts;
    const login = await cl.curl('/-/user/org.couchdb.user:alice', { base: w1, method: 'PUT',
      headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'alice', password: 'alice-password-1' }) });
    assert.equal(login.status, 201, login.body);
    const { token } = JSON.parse(login.body);
    assert.equal(JSON.parse((await whoami(token, { base: w2 })).body).username, 'alice');
    const out = await cl.curl(`/-/user/token/${token}`, { base: w2, method: 'DELETE',
      headers: { authorization: `Bearer ${token}` } });
    assert.ok(out.status < 300, out.body);
    assert.equal((await whoami(token, { base: w1 })).status, 401);
  });

  test('a web login begun on one host is approved on the other and collected on the first', async () => {
    const [w1, w2] = cl.hosts;
    const start = await cl.curl('/-/v1/login', { base: w1, method: 'POST', headers: { 'content-type': 'application/json' }, data: '{}' });
    assert.equal(start.status, 200, start.body);
    const { loginUrl, doneUrl } = JSON.parse(start.body);
    const rel = (u) => new URL(u).pathname;
    assert.equal((await cl.curl(rel(doneUrl), { base: w1 })).status, 202);
    const ok = await cl.curl(rel(loginUrl), { base: w2, method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, data: 'name=alice&password=alice-password-1&mine=yes' });
    assert.equal(ok.status, 200, ok.body);
    const got = await cl.curl(rel(doneUrl), { base: w1 });
    assert.equal(got.status, 200, got.body);
    const { token } = JSON.parse(got.body);
    assert.equal(JSON.parse((await whoami(token, { base: w2 })).body).username, 'alice');
    assert.equal((await cl.curl(rel(doneUrl), { base: w2 })).status, 404, 'collected once, whichever host asks');
  });

  test('through the load balancer, depot sees the client address: CIDR tokens, metrics_allow', async () => {
    const make = async (cidr) => {
      const r = await cl.curl('/-/npm/v1/tokens', { method: 'POST',
        headers: { 'content-type': 'application/json', ...alice.auth },
        data: JSON.stringify({ password: 'alice-password-1', readonly: true, cidr_whitelist: [cidr] }) });
      assert.equal(r.status, 201, r.body);
      return JSON.parse(r.body).token;
    };
    const mine = await make(`${me}/32`);
    const others = await make(`${other}/32`);
    assert.equal((await whoami(mine)).status, 200);
    assert.equal((await whoami(others, { extra: ['--interface', other] })).status, 200);
    // Not from my address, whatever headers say.
    for (const headers of [{}, { 'x-forwarded-for': other, 'x-real-ip': other }]) {
      const r = await whoami(others, { headers: { authorization: `Bearer ${others}`, ...headers } });
      assert.ok(r.status === 401 || r.status === 403, `${r.status} ${r.body}`);
    }
    // The LB's PROXY header is believed from the LB alone: the same header
    // sent straight to a worker host's balancer port names no one.
    const forged = await viaForgedProxyHeader(cl, cl.hosts[0], other, others);
    assert.ok(forged.status === 401 || forged.status === 403, `${forged.status} ${forged.body}`);

    assert.equal((await cl.curl('/-/metrics')).status, 200);
    assert.equal((await cl.curl('/-/metrics', { extra: ['--interface', other] })).status, 404);
  });

  test('plain HTTP through the load balancer: reads are sent to HTTPS, writes refused', async () => {
    const read = await cl.curl('/ryw-pkg', { base: cl.httpUrl });
    assert.equal(read.status, 301);
    assert.equal(read.headers.location, `${cl.url}/ryw-pkg`);
    const write = await cl.curl('/-/user/org.couchdb.user:plainhttp', { base: cl.httpUrl, method: 'PUT',
      headers: { 'content-type': 'application/json' },
      data: JSON.stringify({ name: 'plainhttp', password: 'plainhttp-password-1', email: 'p@example.com' }) });
    assert.equal(write.status, 403, write.body);
    assert.equal(await cl.sql("SELECT COUNT(*) FROM users WHERE name = 'plainhttp'"), '0');
  });

  test('kill -9 of a worker host, then of a database node, under installs and publishes: nothing lost', async () => {
    const name = 'kl-pkg';
    const publisher = client(cl);
    const put = (m, tgz) => publisher.request('PUT', `/${name}`, { 'content-type': 'application/json', ...alice.auth },
      JSON.stringify(publishBody(m, tgz)));
    const first = { name, version: '1.0.0' };
    assert.equal((await put(first, await tarball(path.join(cl.dir, 'kl'), first))).status, 201);

    const stats = { installs: 0, installFailures: [], acked: ['1.0.0'], landedUnseen: [], attempts: 0, retried: 0,
      statuses: {}, lost: [], kills: [] };
    let running = true;
    const installer = async (i) => {
      for (let n = 0; running; n++) {
        const work = path.join(cl.dir, `inst-${i}-${n}`);
        await mkdir(work, { recursive: true });
        const r = await cl.npm(['install', `${name}@latest`, '--no-audit'], { cwd: work, home: `inst-${i}-${n}/home`, env: npmRetries });
        if (r.code === 0) stats.installs++;
        else stats.installFailures.push(r.stderr.slice(-600));
        await rm(work, { recursive: true, force: true });
      }
    };
    const publish = async () => {
      for (let v = 1; running; v++) {
        const m = { name, version: `1.${v}.0` };
        const tgz = await tarball(path.join(cl.dir, 'kl'), m);
        let landed = false;
        for (let attempt = 0; attempt < 60 && !landed; attempt++) {
          const r = await put(m, tgz);
          stats.attempts++;
          stats.statuses[r.status] = (stats.statuses[r.status] ?? 0) + 1;
          if (r.status === 201 || (attempt > 0 && r.status === 200)) {
            // 200: the same bytes again (protocol §1.8), after an attempt whose
            // answer was lost had landed.
            (r.status === 201 ? stats.acked : stats.landedUnseen).push(m.version);
            landed = true;
          } else {
            stats.retried++;
            await sleep(500);
          }
        }
        if (!landed) stats.lost.push(m.version);
      }
    };
    const loops = Promise.all([installer(0), publish()]);
    const step = async (what, host, waitMs) => {
      const r = await cl.ctl(what, host);
      assert.equal(r.code, 0, `${what} ${host}: ${r.stderr}`);
      stats.kills.push(`${what} ${host} at ${new Date().toISOString()}`);
      await sleep(waitMs);
    };
    try {
      await sleep(8000);
      await step('kill', 'worker1', 12000);
      await step('revive', 'worker1', 6000);
      // db1: the node both worker hosts use first, and a brick of the store.
      await step('kill', 'db1', 25000);
      await step('revive', 'db1', 6000);
    } finally {
      running = false;
      await loops;
      publisher.close();
    }
    const figures = `${stats.installs} installs (${stats.installFailures.length} failed), ` +
      `${stats.acked.length} publishes acknowledged + ${stats.landedUnseen.length} landed unseen ` +
      `in ${stats.attempts} attempts (${stats.retried} retried; statuses ${JSON.stringify(stats.statuses)}), ` +
      `${stats.lost.length} never landed; ${stats.kills.join(', ')}`;
    console.log(`cluster kill test: ${figures}`);
    assert.deepEqual(stats.installFailures, []);
    assert.deepEqual(stats.lost, []);
    assert.ok(stats.installs >= 5 && stats.acked.length >= 10, figures);

    // The revived node rejoined by itself and holds every row.
    const status = (await cl.ctl('status')).stdout;
    for (const node of ['db1', 'db2', 'db3']) assert.match(status, new RegExp(`${node} \\S+: MariaDB Synced, cluster size 3, Primary`), status);
    assert.match(status, /sends traffic to: worker1 worker2/);
    const rejoin = await readFile(path.join(cl.dir, 'hosts/db1/mysqld/mariadb.log'), 'utf8');
    assert.match(rejoin, /IST received|SST complete|State transfer .* complete/);
    const q = `SELECT v.version FROM versions v JOIN packages p ON p.id = v.package_id WHERE p.name = '${name}' ORDER BY v.version`;
    const rows = await cl.sqlOn('db1', q);
    for (const node of ['db2', 'db3']) assert.equal(await cl.sqlOn(node, q), rows, `${node} and db1 agree`);
    const versions = rows.split('\n').filter(Boolean);
    for (const v of [...stats.acked, ...stats.landedUnseen]) assert.ok(versions.includes(v), `${name}@${v} was acknowledged`);

    // Every host serves every version, and every tarball is the one its integrity names.
    for (const base of cl.hosts) {
      const c = client(cl, { base });
      const doc = await c.request('GET', `/${name}`, { accept: 'application/json' });
      assert.equal(doc.status, 200);
      const served = JSON.parse(doc.body);
      assert.deepEqual(Object.keys(served.versions).sort(), [...versions].sort(), base);
      for (const v of versions) {
        const tgz = await c.request('GET', new URL(served.versions[v].dist.tarball).pathname);
        assert.equal(tgz.status, 200, `${base} ${v}`);
        assert.equal(`sha512-${createHash('sha512').update(tgz.raw).digest('base64')}`, served.versions[v].dist.integrity);
      }
      c.close();
    }

    // The crash invariants of the faults issue, on the shared store: after a
    // sweep, every version's file is there, no file lacks a version, no
    // upload is left, and the documents are what the rows say.
    const swept = await cl.depotctl('worker2', 'sweep', '--age', '0');
    assert.equal(swept.code, 0, swept.stderr);
    assert.equal(await cl.sql('SELECT COUNT(*) FROM uploads'), '0');
    const keys = (await cl.sql('SELECT tarball_key FROM versions WHERE tarball_key IS NOT NULL')).split('\n').filter(Boolean).sort();
    const store = path.join(cl.dir, 'store/tarballs');
    // (_uplinks/ holds the proxied cache, which upstream_docs accounts for.)
    const files = (await cl.exec('worker1', 'find', store, '-path', `${store}/.tmp`, '-prune', '-o',
      '-path', `${store}/_uplinks`, '-prune', '-o', '-type', 'f', '-printf', '%P\\n'))
      .stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(files, keys);
    const docOf = async (base) => (await cl.curl(`/${name}`, { base, headers: { accept: 'application/json' } })).body;
    const before1 = await docOf(cl.hosts[0]);
    assert.equal((await cl.depotctl('worker1', 'rebuild-packuments')).code, 0);
    assert.deepEqual(JSON.parse(await docOf(cl.hosts[1])), JSON.parse(before1));

    // The store healed the brick that was away.
    let heal = '';
    for (let i = 0; i < 60; i++) {
      heal = (await cl.exec('db2', 'gluster', '--mode=script', 'volume', 'heal', 'depot', 'info', 'summary')).stdout;
      if ([...heal.matchAll(/Total Number of entries: (\d+)/g)].every((m) => m[1] === '0') && /Total Number/.test(heal)) break;
      await sleep(1000);
    }
    assert.ok([...heal.matchAll(/Total Number of entries: (\d+)/g)].every((m) => m[1] === '0'), heal);
  });

  test('rate limits count across hosts: password checks per name are one budget', async () => {
    // auth_checks_per_name = 8 a minute: wrong passwords taking turns on the
    // two hosts reach it together, at about four each; then both refuse.
    await account(cl, 'limited');
    const bad = (base) => cl.curl('/-/whoami', { base, extra: ['-u', 'limited:wrong-password'] });
    const seen = [];
    for (let i = 0; i < 12 && !seen.includes(429); i++) seen.push((await bad(cl.hosts[i % 2])).status);
    const first = seen.indexOf(429);
    assert.ok(first > 0 && first <= 8, JSON.stringify(seen));
    assert.ok(seen.slice(0, first).every((s) => s === 401), JSON.stringify(seen));
    for (const base of cl.hosts) assert.equal((await bad(base)).status, 429);
  });
});

// A request sent straight to a worker host's load-balancer port, starting
// with a PROXY protocol header that claims the client is `claimed`.
async function viaForgedProxyHeader(cl, hostUrl, claimed, token) {
  const { hostname } = new URL(hostUrl);
  const ca = await readFile(cl.ca);
  return new Promise((resolve) => {
    const req = https.request({
      host: hostname, port: 8443, path: '/-/whoami', headers: { authorization: `Bearer ${token}` }, ca,
      createConnection: () => {
        const raw = net.connect(8443, hostname);
        raw.write(`PROXY TCP4 ${claimed} ${hostname} 40000 8443\r\n`);
        return tls.connect({ socket: raw, ca, host: hostname, servername: '' });
      },
    }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end();
  });
}

