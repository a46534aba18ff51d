// Production deploy files: deploy/install stages binaries, units, the nginx
// site and config; the units pass systemd-analyze verify, and the rendered
// production site passes nginx -t.

import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { binDir, repo, sh } from '../lib/stack.mjs';

describe('deploy/install', () => {
  let stage;
  before(async () => {
    stage = await mkdtemp(path.join(os.tmpdir(), 'depot-stage-'));
    const tls = path.join(stage, 'tls');
    await mkdir(tls);
    const cert = await sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-keyout', path.join(tls, 'k.pem'), '-out', path.join(tls, 'c.pem'), '-days', '1', '-subj', '/CN=npm.test']);
    assert.equal(cert.code, 0, cert.stderr);
    const r = await sh('bash', [path.join(repo, 'deploy/install'), '--destdir', stage, '--build', binDir,
      '--server-name', 'npm.test', '--cert', path.join(tls, 'c.pem'), '--key', path.join(tls, 'k.pem')]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => { await rm(stage, { recursive: true, force: true }); });

  test('the systemd units pass systemd-analyze verify with no warnings', async () => {
    // verify resolves dependencies such as sysinit.target inside --root.
    await mkdir(path.join(stage, 'usr/lib/systemd'), { recursive: true });
    await cp('/usr/lib/systemd/system', path.join(stage, 'usr/lib/systemd/system'), { recursive: true });
    // ExecReload runs the system's kill, which every Debian has.
    await mkdir(path.join(stage, 'bin'), { recursive: true });
    await cp('/bin/kill', path.join(stage, 'bin/kill'));
    const units = ['depot.socket', 'depot.service', 'depot-migrate.service']
      .map((u) => path.join(stage, 'etc/systemd/system', u));
    const r = await sh('systemd-analyze', ['verify', `--root=${stage}`, ...units]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '');
  });

  test('the service runs socket-activated as its own user with a read-only system', async () => {
    const unit = await readFile(path.join(stage, 'etc/systemd/system/depot.service'), 'utf8');
    for (const line of ['StandardInput=socket', 'User=depot', 'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/depot/tarballs /var/lib/depot/documents', 'KillSignal=SIGTERM']) {
      assert.ok(unit.includes(line), line);
    }
    const conf = await readFile(path.join(stage, 'etc/depot/depot.conf'), 'utf8');
    assert.match(conf, /^listen = fd:0$/m);
    assert.match(conf, /^public_url = https:\/\/npm\.test$/m);
  });

  test('the installed config is accepted by depotctl check-config', async () => {
    const conf = path.join(stage, 'etc/depot/depot.conf');
    const text = (await readFile(conf, 'utf8')).replace(/^db_password_file = .*$/m, 'db_password_file =')
      .replace(/^signing_kek_file = \/etc\/depot\/signing\.kek$/m, 'signing_kek_file =');
    await writeFile(conf, text);
    const r = await sh(path.join(stage, 'usr/local/bin/depotctl'), ['--config', conf, 'check-config']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('the uplink lines: commented in the installed config, on in deploy/local up; both pass check-config', async () => {
    const installed = await readFile(path.join(stage, 'etc/depot/depot.conf'), 'utf8');
    assert.match(installed, /^#uplink_npmjs = https:\/\/registry\.npmjs\.org$/m);
    assert.match(installed, /^#proxy = @mycompany\/\*:none .*\*:npmjs$/m);
    assert.doesNotMatch(installed, /^(uplink_|proxy)/m, 'ops choose: nothing proxied until uncommented');
    const check = async (text) => {
      const conf = path.join(stage, 'uplink-check.conf');
      await writeFile(conf, text.replace(/^db_password_file = .*$/m, 'db_password_file =')
        .replace(/^signing_kek_file = \/etc\/depot\/signing\.kek$/m, 'signing_kek_file ='));
      return sh(path.join(stage, 'usr/local/bin/depotctl'), ['--config', conf, 'check-config']);
    };
    // The example's lines as ops would take them (the corp CA file and token are placeholders).
    const uncommented = installed.replace(/^#(uplink_npmjs|uplink_npmjs_timeout|uplink_corp|proxy) = /gm, '$1 = ');
    assert.match(uncommented, /^proxy = /m);
    let r = await check(uncommented);
    assert.equal(r.code, 0, r.stderr);

    const local = (args, env = {}) => sh('bash', [path.join(repo, 'deploy/local'), 'uplink-config', ...args],
      { env: { ...process.env, DEPOT_NO_UPLINK: '', ...env } });
    const on = await local([]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /^uplink_npmjs = https:\/\/registry\.npmjs\.org$/m);
    assert.match(on.stdout, /^proxy = @mycompany\/\*:none \*:npmjs$/m);
    assert.match(on.stdout, /come from https:\/\/registry\.npmjs\.org.*\n.*@mycompany\/\* never leaves depot/);
    r = await check(`${installed}\n${on.stdout.split('\n\n')[0]}\n`);
    assert.equal(r.code, 0, r.stderr);
    for (const off of [await local(['--no-uplink']), await local([], { DEPOT_NO_UPLINK: '1' })]) {
      assert.equal(off.code, 0, off.stderr);
      assert.doesNotMatch(off.stdout, /uplink_|proxy =/);
      assert.match(off.stdout, /Nothing is proxied/);
    }
  });

  test('the production nginx site passes nginx -t', async () => {
    const nginxConf = path.join(stage, 'nginx.conf');
    await writeFile(nginxConf, `pid ${stage}/nginx.pid; error_log stderr; events {}
http { include ${stage}/etc/nginx/sites-available/depot; }\n`);
    // The staged site names the installed snippet path; point it into the stage.
    const site = path.join(stage, 'etc/nginx/sites-available/depot');
    const text = await readFile(site, 'utf8');
    assert.match(text, /fastcgi_pass depot_fcgi;/);
    assert.match(text, /server unix:\/run\/depot\/fcgi\.sock max_fails=0;/);
    // The larger of max_body_bytes (64M) and max_document_bytes (100M) + 1M.
    assert.match(text, /client_max_body_size 105906176;/);
    assert.ok(!/\$request_uri\s+\$status/.test(text));
    await writeFile(site, text.replaceAll('/etc/nginx/snippets/', `${stage}/etc/nginx/snippets/`)
      .replaceAll('/var/log/nginx/', `${stage}/`));
    const r = await sh(process.getuid() === 0 ? 'nginx' : '/usr/sbin/nginx', ['-t', '-c', nginxConf, '-p', stage],
      { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` } });
    assert.equal(r.code, 0, r.stderr);
  });
});
