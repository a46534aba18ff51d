// The running stack (issue 2): npm ping over HTTPS through nginx, the HTTP →
// HTTPS redirect, health with MariaDB going away and coming back, workers
// reconnecting, error shapes, body limits, and graceful SIGTERM.

import assert from 'node:assert/strict';
import { readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { openRequest } from '../lib/fcgi-client.mjs';
import { binDir, repo, sh, spawnProcess, Stack } from '../lib/stack.mjs';

// The number of the newest file in schema/.
async function newestMigration() {
  const files = (await readdir(path.join(repo, 'schema'))).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
  return Number(files.at(-1).slice(0, 4));
}

describe('the running stack', () => {
  let stack;
  // One worker, so the reconnect test exercises the very connection that went stale.
  before(async () => { stack = await Stack.start({ workers: 1, maxBody: '64K', extraConf: 'max_document_bytes = 64K' }); });
  after(async () => { await stack?.stop(); });

  test('npm ping succeeds against depot over HTTPS with the stack CA', async () => {
    const r = await stack.npm(['ping'], { env: { npm_config_loglevel: 'notice' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`PING ${stack.url}/`));
    assert.match(r.stderr, /PONG/);
  });

  test('GET /-/ping answers 200 {} as JSON, not cached', async () => {
    const r = await stack.curl('/-/ping');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(r.body), {});
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{32}$/);
  });

  test('plain HTTP GET is redirected to the HTTPS public URL with the query kept', async () => {
    const r = await stack.curl('/-/ping?x=1', { base: stack.httpUrl });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `${stack.url}/-/ping?x=1`);
  });

  test('plain HTTP writes are refused with 403 JSON, and HTML for browsers', async () => {
    const json = await stack.curl('/some-package', { base: stack.httpUrl, method: 'PUT', data: '{}',
      headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 403);
    assert.match(JSON.parse(json.body).error, /HTTPS/);
    const page = await stack.curl('/', { base: stack.httpUrl, method: 'POST', data: 'user=a@b.example',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(page.status, 403);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.match(page.body, /HTTPS/);
  });

  test('a client header cannot pretend the request came over HTTPS', async () => {
    const r = await stack.curl('/x', { base: stack.httpUrl, method: 'PUT', data: '{}',
      headers: { https: 'on', 'x-forwarded-proto': 'https' } });
    assert.equal(r.status, 403);
  });

  test('unknown paths are 404 JSON and wrong methods 405 with Allow', async () => {
    const nf = await stack.curl('/-/no/such/thing');
    assert.equal(nf.status, 404);
    assert.equal(typeof JSON.parse(nf.body).error, 'string');
    const na = await stack.curl('/-/ping', { method: 'DELETE' });
    assert.equal(na.status, 405);
    assert.equal(na.headers.allow, 'GET, HEAD');
  });

  test('a malformed percent-escape is a 400, never a 5xx', async () => {
    const r = await stack.curl('/%zz');
    assert.equal(r.status, 400);
  });

  test('browsers get an HTML error page with the request id', async () => {
    const r = await stack.curl('/-/nope', { headers: { accept: 'text/html,*/*;q=0.8' } });
    assert.equal(r.status, 404);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.body, /<h1>404 Not Found<\/h1>/);
    assert.ok(r.body.includes(r.headers['x-request-id']));
  });

  test('a body over the configured limit is 413 with a JSON error', async () => {
    // PUT /{pkg} takes a whole document back: max_document_bytes + 1M.
    const big = 'x'.repeat(1200 * 1024);
    const r = await stack.curl('/some-package', { method: 'PUT', data: big,
      headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.match(JSON.parse(r.body).error, /larger than/);
  });

  test('the access log never records query strings', async () => {
    await stack.curl('/-/ping?ut=SECRETTOKEN123');
    await sleep(200);
    const log = await stack.log('access.log');
    assert.match(log, /GET \/-\/ping HTTP/);
    assert.ok(!log.includes('SECRETTOKEN123'));
  });

  test('health is 503 while MariaDB is down and 200 once it is back, on the same worker', async () => {
    const up = await stack.curl('/-/health');
    assert.equal(up.status, 200);
    assert.deepEqual(JSON.parse(up.body),
      { status: 'ok', database: 'ok', store: 'ok', schema_version: await newestMigration() });

    assert.equal((await stack.ctl('db-stop')).code, 0);
    const down = await stack.curl('/-/health');
    assert.equal(down.status, 503);
    assert.equal(JSON.parse(down.body).database, 'unreachable');

    assert.equal((await stack.ctl('db-start')).code, 0);
    const back = await stack.curl('/-/health');
    assert.equal(back.status, 200, back.body);
  });

  test('health is 503 while the store is gone (a dead shared mount), 200 once it is back', async () => {
    const docs = path.join(stack.dir, 'documents');
    await rename(docs, `${docs}.away`);
    try {
      const r = await stack.curl('/-/health');
      assert.equal(r.status, 503, r.body);
      assert.deepEqual(JSON.parse(r.body).store, 'unavailable');
    } finally {
      await rename(`${docs}.away`, docs);
    }
    assert.equal((await stack.curl('/-/health')).status, 200);
  });

  test('a worker whose connection went stale with a MariaDB restart serves the next request', async () => {
    assert.equal((await stack.curl('/-/health')).status, 200);  // the worker holds a connection now
    assert.equal((await stack.ctl('db-stop')).code, 0);
    assert.equal((await stack.ctl('db-start')).code, 0);
    const r = await stack.curl('/-/health');
    assert.equal(r.status, 200, r.body);
  });

  test('depotctl migrate is idempotent', async () => {
    const env = { ...process.env, DEPOT_CONFIG: stack.config };
    const again = await sh(path.join(binDir, 'depotctl'), ['migrate'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date/);
    const v = await sh(path.join(binDir, 'depotctl'), ['schema-version'], { env });
    assert.equal(v.stdout.trim(), String(await newestMigration()));
  });

  test('a listening socket inherited on fd 0 is served (systemd socket activation, spawn-fcgi)', async () => {
    const sock = path.join(stack.dir, 'run', 'inherited.sock');
    // perl stands in for systemd: bind and listen, put the socket on fd 0, exec.
    const script = 'use Socket; my $p = shift; socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die; unlink $p;'
      + ' bind($s, pack_sockaddr_un($p)) or die; listen($s, 16) or die;'
      + ' open(STDIN, "<&", $s) or die; exec @ARGV or die';
    const proc = spawnProcess('perl', ['-e', script, sock, path.join(binDir, 'depot-fcgi'), '--config', stack.config],
      { env: { ...process.env, DEPOT_LISTEN: 'fd:0', DEPOT_WORKERS: '1' } });
    for (let i = 0; i < 200 && (await sh('test', ['-S', sock])).code !== 0; i++) await sleep(50);
    await sleep(200);
    const req = openRequest(sock, { REQUEST_METHOD: 'GET', REQUEST_URI: '/-/ping', HTTPS: 'on' });
    req.sendBody(Buffer.alloc(0));
    const resp = await req.response;
    assert.match(resp.text, /^Status: 200/);
    proc.child.kill('SIGTERM');
    assert.equal((await proc.exited).code, 0, proc.stderr());
  });

  test('SIGTERM lets a request in flight finish, then the worker exits 0', async () => {
    const sock = path.join(stack.dir, 'run', 'sigterm.sock');
    const proc = spawnProcess(path.join(binDir, 'depot-fcgi'), ['--config', stack.config],
      { env: { ...process.env, DEPOT_LISTEN: sock, DEPOT_WORKERS: '2' } });
    for (let i = 0; i < 200 && (await sh('test', ['-S', sock])).code !== 0; i++) await sleep(50);

    const req = openRequest(sock, {
      REQUEST_METHOD: 'GET', REQUEST_URI: '/-/health', HTTPS: 'on', CONTENT_LENGTH: '4',
      HTTP_ACCEPT: 'application/json',
    });
    await sleep(300);  // the worker has accepted and is reading the body
    proc.child.kill('SIGTERM');
    await sleep(300);
    req.sendBody(Buffer.from('body'));
    const resp = await req.response;
    assert.ok(resp.ended, 'the request completed');
    assert.match(resp.text, /^Status: 200/);
    assert.match(resp.text, /"status":"ok"/);
    const { code, signal } = await proc.exited;
    assert.equal(signal, null);
    assert.equal(code, 0, proc.stderr());
    assert.match(proc.stderr(), /finishing requests in flight/);
  });
});

describe('configuration checks at start', () => {
  test('a bad value stops start-up with a message naming the key', async () => {
    const dir = (await import('node:os')).tmpdir();
    const conf = path.join(dir, `depot-bad-${process.pid}.conf`);
    await writeFile(conf, 'public_url = https://depot.test\nworkers = lots\n');
    const r = await sh(path.join(binDir, 'depot-fcgi'), ['--config', conf]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /workers: 'lots' is not a whole number/);
    const env = { ...process.env, DEPOT_MAX_BODY_BYTES: '9Q' };
    const e = await sh(path.join(binDir, 'depot-fcgi'), ['--config', conf, '--check-config'], { env });
    assert.equal(e.code, 1);
    assert.match(e.stderr, /max_body_bytes|workers/);
    const missing = await sh(path.join(binDir, 'depotctl'), ['--config', '/nonexistent.conf', 'migrate']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read config file/);
  });

  test('fd 0 that is not a socket is refused with a clear message', async () => {
    const dir = (await import('node:os')).tmpdir();
    const conf = path.join(dir, `depot-fd-${process.pid}.conf`);
    await writeFile(conf, `public_url = https://depot.test\nviews_dir = ${path.resolve('..', 'views')}\n`);
    const proc = spawnProcess(path.join(binDir, 'depot-fcgi'), ['--config', conf],
      { env: { ...process.env, DEPOT_VIEWS_DIR: path.join(process.cwd(), '..', 'views') } });
    const { code, stderr } = await proc.exited;
    assert.equal(code, 1);
    assert.match(stderr, /fd 0 is not a listening stream socket/);
  });
});
