// The web pages (issue 5, first part): the package list with search and
// paging, a package's page with its README rendered by cmark-gfm, an older
// version's page, escaping, and the security headers every page carries.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { account, makePackage, publishBody, tarball } from '../lib/packages.mjs';
import { Stack } from '../lib/stack.mjs';

const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const json = { 'content-type': 'application/json' };

describe('web pages', () => {
  let stack;
  let alice;
  before(async () => {
    stack = await Stack.start();
    alice = await account(stack, 'alice');
    for (let i = 0; i < 22; i++) {
      const manifest = { name: `filler-${i}`, version: '1.0.0', description: `filler number ${i}` };
      const r = await stack.curl(`/filler-${i}`, { method: 'PUT', headers: { ...json, ...alice.auth },
        data: JSON.stringify(publishBody(manifest, await tarball(stack.dir, manifest))) });
      assert.equal(r.status, 201, r.body);
    }
    const readme = (v) => [`# Widget ${v}`, '', 'Some **bold** text.', '', '<script>alert("readme")</script>',
      '<img src=x onerror=alert(1)>', '', '| a | b |', '|---|---|', '| 1 | 2 |', '',
      '[click](javascript:alert(1))'].join('\n');
    for (const v of ['1.0.0', '1.1.0']) {
      const dir = await makePackage(stack.dir, { name: 'widget', version: v, description: 'a <b>bold</b> widget' },
        { readme: readme(v) });
      const r = await stack.npm(['publish'], { cwd: dir, home: alice.home });
      assert.equal(r.code, 0, r.stderr);
    }
    const hidden = await stack.npm(['publish'], { cwd: await makePackage(stack.dir, { name: '@acme/private', version: '1.0.0' }), home: alice.home });
    assert.equal(hidden.code, 0, hidden.stderr);
  });
  after(async () => { await stack?.stop(); });

  test('every page carries CSP, nosniff, no-referrer and HSTS', async () => {
    const r = await stack.curl('/', { headers: html });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.match(r.headers['content-security-policy'], /default-src 'none'/);
    assert.doesNotMatch(r.headers['content-security-policy'], /script-src/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.match(r.headers['strict-transport-security'], /max-age=\d+/);
    assert.doesNotMatch(r.body, /<script/i);
    assert.match(r.body, /<link rel="stylesheet" href="\/-\/static\/depot.css">/);
    const css = await stack.curl('/-/static/depot.css');
    assert.equal(css.status, 200);
  });

  test('the home page lists public packages newest first, twenty a page, with the three forms', async () => {
    const first = (await stack.curl('/', { headers: html })).body;
    const names = [...first.matchAll(/<li><a href="\/([^"]+)">/g)].map((m) => m[1]);
    assert.equal(names.length, 20);
    assert.equal(names[0], 'widget', 'the most recently changed package comes first');
    assert.ok(!names.includes('@acme/private'));
    assert.match(first, /rel="next"/);
    const second = (await stack.curl('/?page=2', { headers: html })).body;
    const more = [...second.matchAll(/<li><a href="\/([^"]+)">/g)].map((m) => m[1]);
    assert.equal(more.length, 3);
    assert.ok(!more.some((n) => names.includes(n)));
    assert.match(second, /rel="prev"/);
    for (const field of ['name="user"', 'name="reset"', 'name="create"']) assert.ok(first.includes(field), field);
    assert.equal((await stack.curl('/?page=0', { headers: html })).status, 400);
  });

  test('the search box finds packages by description', async () => {
    const r = await stack.curl('/?q=number%2017', { headers: html });
    assert.match(r.body, /href="\/filler-17"/);
    assert.match(r.body, /value="number 17"/);
  });

  test('a browser gets the package page; npm still gets JSON at the same URL', async () => {
    const page = await stack.curl('/widget', { headers: html });
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Widget 1\.1\.0<\/h1>/);
    assert.match(page.body, /<strong>bold<\/strong>/);
    assert.match(page.body, /<table>/);
    assert.match(page.body, /a &lt;b&gt;bold&lt;\/b&gt; widget/, 'the description is escaped');
    assert.doesNotMatch(page.body, /<script>alert/);
    assert.doesNotMatch(page.body, /onerror=/);
    assert.doesNotMatch(page.body, /href="javascript:/);
    assert.match(page.body, /href="\/widget\/v\/1\.0\.0"/);
    assert.match(page.body, /<li>alice<\/li>/);
    assert.match(page.body, /npm install widget@1\.1\.0/);
    const npm = await stack.curl('/widget', { headers: { accept: 'application/json' } });
    assert.equal(npm.headers['content-type'], 'application/json');
  });

  test('an older version has its own page with its own README', async () => {
    const r = await stack.curl('/widget/v/1.0.0', { headers: html });
    assert.equal(r.status, 200);
    assert.match(r.body, /<h1>Widget 1\.0\.0<\/h1>/);
    assert.equal((await stack.curl('/widget/v/9.9.9', { headers: html })).status, 404);
    const bad = await stack.curl('/widget/v/not-a-version', { headers: html });
    assert.equal(bad.status, 400);
    assert.match(bad.headers['content-type'], /^text\/html/);
  });

  test('restricted packages have no page for strangers; unknown names get an HTML 404', async () => {
    assert.equal((await stack.curl('/@acme/private', { headers: html })).status, 404);
    assert.equal((await stack.curl('/@acme/private', { headers: { ...html, ...alice.auth } })).status, 200);
    const missing = await stack.curl('/no-such-package', { headers: html });
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<h1>404 Not Found<\/h1>/);
  });
});
