// Workers find the database among several addresses (issue 14, point 5):
// db_host lists the nodes of a cluster; a worker tries them in turn,
// starting with the one that answered last, and passes over a node that
// does not answer (or, on Galera, one outside the primary component).
// Here one real MariaDB on a loopback port stands behind a dead address.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { account, makePackage } from '../lib/packages.mjs';
import { binDir, freePort, sh, Stack } from '../lib/stack.mjs';

describe('several database addresses', () => {
  let stack;
  let dbPort;
  let dead;
  before(async () => {
    dbPort = await freePort();
    dead = await freePort();  // nothing listens there
    stack = await Stack.start({
      env: { DEPOT_DB_PORT: String(dbPort) },
      extraConf: `db_host = 127.0.0.1:${dead}, 127.0.0.1:${dbPort}`,
    });
  });
  after(async () => { await stack?.stop(); });

  test('a dead first node is passed over: migrations, health, publish and install all work', async () => {
    const migrate = await sh(path.join(binDir, 'depotctl'), ['--config', stack.config, 'migrate']);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal((await stack.curl('/-/health')).status, 200);
    const alice = await account(stack, 'alice');
    const pub = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: 'failover-pkg', version: '1.0.0' }), home: alice.home });
    assert.equal(pub.code, 0, pub.stderr);
    const app = path.join(stack.dir, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0"}');
    const inst = await stack.npm(['install', 'failover-pkg@1.0.0'], { cwd: app });
    assert.equal(inst.code, 0, inst.stderr);
    // The workers really went over TCP to the listed port.
    const conns = await stack.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'depot' AND HOST LIKE '127.0.0.1:%'");
    assert.ok(Number(conns) >= 1, conns);
  });

  test('with no node answering, reads are a 503 that says so, and the next node that answers is used', async () => {
    assert.equal((await stack.ctl('db-stop')).code, 0);
    try {
      const r = await stack.curl('/-/health');
      assert.equal(r.status, 503, r.body);
    } finally {
      assert.equal((await stack.ctl('db-start')).code, 0);
    }
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await stack.curl('/-/health')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200);
    assert.equal((await stack.curl('/failover-pkg')).status, 200);
  });
});
