// The Debian package (issue 15), booted, not simulated: deploy/package
// builds the .deb twice (two versions), lintian checks it, and a Debian 12
// machine booted with systemd-nspawn installs it next to its own MariaDB and
// nginx. From outside: socket activation, migrations first, the operator's
// edits (one config line, the certificate), npm ping / publish / install over
// HTTPS, the journal, restart and SIGKILL, an upgrade that keeps data and
// config, the unit's exposure score, and remove versus purge.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { debianRoot, Machine } from '../lib/container.mjs';
import { account, makePackage } from '../lib/packages.mjs';
import { binDir, client, repo, sh, Stack } from '../lib/stack.mjs';

const usable = process.getuid?.() === 0 && existsSync('/usr/bin/systemd-nspawn') && existsSync('/usr/sbin/debootstrap');

describe('the Debian package, booted under systemd', { skip: !usable && 'needs root, systemd-nspawn and debootstrap' }, () => {
  let m;
  let dir;
  let debs;
  let reg;  // a Stack-shaped handle on the machine's registry, for the helpers
  let upgradeMigration;  // NNNN_name of the migration only the second package has
  const times = {};
  const timed = async (name, fn) => {
    const t0 = Date.now();
    const r = await fn();
    times[name] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    return r;
  };
  const ok = async (...cmd) => {
    const r = await m.exec(...cmd);
    assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const prop = async (unit, p) => (await ok('systemctl', 'show', '-P', p, unit)).trim();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'depot-package-'));
    debs = await timed('two packages + lintian', async () => {
      const one = await sh('bash', [path.join(repo, 'deploy/package'), '--build', binDir, '--version', '0.1.0',
        '--out', dir, '--lintian']);
      assert.equal(one.code, 0, one.stderr);
      console.log(`lintian: ${one.stderr.split('\n').filter((l) => /^[EWIN]: /.test(l)).join('; ') || 'no tags'}`);
      // The second version brings a migration of its own, as a real upgrade does.
      const schema = path.join(dir, 'schema-0.1.1');
      await cp(path.join(repo, 'schema'), schema, { recursive: true });
      const newest = (await readdir(schema)).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort().at(-1);
      upgradeMigration = `${String(Number(newest.slice(0, 4)) + 1).padStart(4, '0')}_upgrade_probe`;
      await writeFile(path.join(schema, `${upgradeMigration}.sql`),
        'CREATE TABLE upgrade_probe (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;\n');
      const two = await sh('bash', [path.join(repo, 'deploy/package'), '--build', binDir, '--version', '0.1.1',
        '--out', dir, '--schema', schema]);
      assert.equal(two.code, 0, two.stderr);
      return [one.stdout.trim(), two.stdout.trim()];
    });
    const root = await timed('debian root (cached after the first run)', debianRoot);
    m = await timed('boot', () => Machine.boot(root));
    for (const d of debs) await writeFile(path.join(m.merged, 'root', path.basename(d)), await readFile(d));
    reg = new Stack(dir, 443, 80);
    reg.url = `https://${m.addr}`;
    reg.httpUrl = `http://${m.addr}`;
    reg.ca = path.join(dir, 'ca.pem');
  });
  after(async () => {
    console.log(`package test timings: ${JSON.stringify(times)}`);
    await m?.shutdown();
  });

  test('apt installs it; the socket listens; the first request starts depot.service, after its migrations', async () => {
    await timed('apt install', () => ok('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q',
      `/root/${path.basename(debs[0])}`));
    assert.equal(await prop('depot.socket', 'ActiveState'), 'active');
    assert.equal(await prop('depot.socket', 'SubState'), 'listening');
    assert.equal(await prop('depot.service', 'ActiveState'), 'inactive', 'nothing asked yet');
    // The package made the user, the directories, the KEK and, with the local
    // MariaDB, the database and its password file.
    assert.match(await ok('stat', '-c', '%U:%G %a', '/var/lib/depot/tarballs', '/etc/depot/db-password',
      '/etc/depot/signing.kek', '/etc/depot/depot.conf'), /^depot:depot 750\nroot:depot 640\nroot:depot 640\nroot:depot 640\n$/);

    const first = await sh('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', `https://${m.addr}/-/ping`]);
    assert.equal(first.stdout, '200');
    assert.equal(await prop('depot.service', 'ActiveState'), 'active');
    assert.equal(await prop('depot-migrate.service', 'Result'), 'success');
    const migrated = Number(await prop('depot-migrate.service', 'ExecMainExitTimestampMonotonic'));
    const started = Number(await prop('depot.service', 'ExecMainStartTimestampMonotonic'));
    assert.ok(migrated > 0 && migrated <= started, `migrations ended ${migrated}, workers started ${started}`);
  });

  test('the operator edits one config line and points the site at a certificate; npm ping, publish, install work', async () => {
    // A CA of the test's and a certificate for the machine's address.
    const tls = path.join(dir, 'tls');
    await mkdir(tls, { recursive: true });
    const o = (...a) => sh('openssl', a, { cwd: tls });
    await o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key',
      '-out', 'ca.pem', '-days', '30', '-subj', '/CN=depot package test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
    await o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key',
      '-out', 'server.csr', '-subj', '/CN=depot');
    await writeFile(path.join(tls, 'ext'), `subjectAltName=IP:${m.addr}\nextendedKeyUsage=serverAuth\n`);
    await o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'server.pem', '-days', '30', '-extfile', 'ext');
    await writeFile(reg.ca, await readFile(path.join(tls, 'ca.pem')));
    await writeFile(path.join(m.merged, 'etc/ssl/certs/depot.pem'), await readFile(path.join(tls, 'server.pem')));
    await writeFile(path.join(m.merged, 'etc/ssl/private/depot.key'), await readFile(path.join(tls, 'server.key')), { mode: 0o600 });

    await ok('sed', '-i', `s|^public_url = .*|public_url = https://${m.addr}|`, '/etc/depot/depot.conf');
    await ok('sed', '-i', '-e', 's|/etc/ssl/certs/ssl-cert-snakeoil.pem|/etc/ssl/certs/depot.pem|',
      '-e', 's|/etc/ssl/private/ssl-cert-snakeoil.key|/etc/ssl/private/depot.key|', '/etc/nginx/sites-available/depot');
    await ok('nginx', '-t', '-q');
    await ok('systemctl', 'reload', 'nginx');
    await ok('systemctl', 'restart', 'depot');

    const ping = await reg.npm(['ping']);
    assert.equal(ping.code, 0, ping.stderr);
    const alice = await account(reg, 'alice');
    const src = await makePackage(path.join(dir, 'pkgs'), { name: 'booted-pkg', version: '1.0.0' });
    const pub = await reg.npm(['publish'], { cwd: src, home: alice.home });
    assert.equal(pub.code, 0, pub.stderr);
    const proj = path.join(dir, 'proj');
    await mkdir(proj, { recursive: true });
    const inst = await reg.npm(['install', 'booted-pkg'], { cwd: proj, home: 'installer' });
    assert.equal(inst.code, 0, inst.stderr);
    assert.ok(existsSync(path.join(proj, 'node_modules/booted-pkg/package.json')));
    const doc = JSON.parse((await reg.curl('/booted-pkg')).body);
    assert.equal(doc.versions['1.0.0'].dist.tarball, `https://${m.addr}/booted-pkg/-/booted-pkg-1.0.0.tgz`);
    reg.alice = alice;
  });

  test('journalctl -u depot: one line per event, with its request id, and no secret', async () => {
    const token = reg.alice.token;
    // Debian's MariaDB is socket-activated too: stop both, or the next connection starts it.
    await ok('systemctl', 'stop', 'mariadb.socket', 'mariadb.service');
    // A route that reads the database (whoami may answer from the worker's auth cache).
    const r = await reg.curl('/-/npm/v1/tokens', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 503, r.body);
    await ok('systemctl', 'start', 'mariadb.socket', 'mariadb.service');
    const journal = await ok('journalctl', '-u', 'depot', '-u', 'depot-migrate', '--no-pager', '-o', 'cat');
    assert.match(journal, /^\S+ error \[[0-9a-f]{32}\] database unavailable: /m);
    for (const line of journal.split('\n').filter(Boolean)) assert.ok(!line.includes('\n'));
    assert.ok(!journal.includes(token), 'no token');
    assert.ok(!journal.includes(await m.readFile('etc/depot/db-password').then((s) => s.trim())), 'no password');
    const back = await reg.curl('/-/npm/v1/tokens', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(back.status, 200, back.body);
  });

  test('systemctl restart under a read loop loses no request; after SIGKILL systemd starts it again', async () => {
    const c = client(reg);
    let running = true;
    const seen = { ok: 0, failed: [] };
    const loop = (async () => {
      while (running) {
        const r = await c.request('GET', '/-/whoami', { authorization: `Bearer ${reg.alice.token}` });
        if (r.status === 200) seen.ok++;
        else seen.failed.push(`${r.status} ${r.body.slice(0, 200)}`);
      }
    })();
    await sleep(500);
    const pid = await prop('depot.service', 'MainPID');
    await ok('systemctl', 'restart', 'depot');
    await sleep(1000);
    running = false;
    await loop;
    assert.notEqual(await prop('depot.service', 'MainPID'), pid);
    assert.deepEqual(seen.failed, []);
    assert.ok(seen.ok > 20, `${seen.ok} reads`);
    console.log(`restart under reads: ${seen.ok} reads, ${seen.failed.length} failed`);

    const before = await prop('depot.service', 'MainPID');
    await ok('systemctl', 'kill', '-s', 'KILL', 'depot');
    const t0 = Date.now();
    let now = before;
    while (Date.now() - t0 < 20_000) {
      await sleep(250);
      now = await prop('depot.service', 'MainPID');
      if (now !== '0' && now !== before && (await prop('depot.service', 'ActiveState')) === 'active') break;
    }
    assert.ok(now !== '0' && now !== before, 'started again');
    const after = await c.request('GET', '/-/whoami', { authorization: `Bearer ${reg.alice.token}` });
    assert.equal(after.status, 200);
    console.log(`after SIGKILL: running again in ${((Date.now() - t0) / 1000).toFixed(1)} s (Restart=on-failure, RestartSec=2)`);
    c.close();
  });

  test('an upgrade keeps the data and the edited config, runs its new migration, answers the same', async () => {
    const before = (await reg.curl('/booted-pkg')).body;
    const migratedBefore = Number(await prop('depot-migrate.service', 'ExecMainExitTimestampMonotonic'));
    await timed('apt upgrade', () => ok('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q',
      `/root/${path.basename(debs[1])}`));
    assert.match(await ok('dpkg-query', '-W', '-f', '${Version}', 'depot'), /^0\.1\.1$/);
    assert.match(await m.readFile('etc/depot/depot.conf'), new RegExp(`^public_url = https://${m.addr.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(await m.readFile('etc/nginx/sites-available/depot'), /ssl_certificate\s+\/etc\/ssl\/certs\/depot\.pem;/);
    assert.ok(Number(await prop('depot-migrate.service', 'ExecMainExitTimestampMonotonic')) > migratedBefore, 'migrated again');
    const sql = (q) => ok('mariadb', '--no-defaults', '-uroot', '-N', '-B', 'depot', '-e', q);
    assert.equal((await sql(`SELECT COUNT(*) FROM schema_migrations WHERE version = ${Number(upgradeMigration.slice(0, 4))}`)).trim(), '1');
    assert.equal((await sql('SELECT COUNT(*) FROM upgrade_probe')).trim(), '0', 'the new table is there');
    assert.match(await ok('journalctl', '-u', 'depot-migrate', '--no-pager', '-o', 'cat'), new RegExp(`applied ${upgradeMigration}`));
    assert.equal((await reg.curl('/booted-pkg')).body, before);
    const proj = path.join(dir, 'proj2');
    await mkdir(proj, { recursive: true });
    assert.equal((await reg.npm(['install', 'booted-pkg'], { cwd: proj, home: 'installer2' })).code, 0);
  });

  test('systemd-analyze security: the exposure score of depot.service', async () => {
    const r = await m.exec('systemd-analyze', 'security', '--no-pager', 'depot.service');
    const score = r.stdout.match(/Overall exposure level for depot\.service: ([\d.]+) (\S+)/);
    assert.ok(score, r.stdout + r.stderr);
    console.log(`systemd-analyze security depot.service: ${score[1]} ${score[2]}`);
    assert.ok(Number(score[1]) <= 3.0, `exposure ${score[1]}`);
  });

  test('remove keeps the data and settings (a reinstall serves them again); purge removes them', async () => {
    const before = (await reg.curl('/booted-pkg')).body;
    await ok('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'remove', '-y', '-q', 'depot');
    assert.equal((await m.exec('test', '-d', '/var/lib/depot/tarballs')).code, 0);
    assert.equal((await m.exec('test', '-s', '/etc/depot/signing.kek')).code, 0);
    assert.equal((await m.exec('test', '-e', '/etc/nginx/sites-enabled/depot')).code, 1);
    await ok('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', `/root/${path.basename(debs[1])}`);
    assert.equal((await m.exec('test', '-L', '/etc/nginx/sites-enabled/depot')).code, 0, 'the site is enabled again');
    assert.equal((await reg.curl('/booted-pkg')).body, before);
    await ok('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'purge', '-y', '-q', 'depot');
    assert.equal((await m.exec('test', '-e', '/var/lib/depot')).code, 1);
    assert.equal((await m.exec('test', '-e', '/etc/depot')).code, 1);
  });
});
