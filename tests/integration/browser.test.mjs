// A person in a real browser (issue 5, point 9): headless Chromium driven by
// playwright-core walks through register, read the token, create a project,
// register a version by link, publish with the project token, set stable,
// follow the stable link and download, reset the token from the emailed link,
// and see the old token fail; script in a package's description or README
// stays text. Screenshots of each page, on a phone and a desktop, go to
// tests/artifacts/.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { mailLink, makePackage, pack } from '../lib/packages.mjs';
import { repo, Stack } from '../lib/stack.mjs';
import { currentStep, totp } from '../lib/totp.mjs';

const chromiumPath = '/usr/bin/chromium';
const artifacts = path.join(repo, 'tests/artifacts');

describe('a person in a browser', { skip: !existsSync(chromiumPath) && 'no /usr/bin/chromium' }, () => {
  let stack;
  let browser;
  let page;
  let tarballServer;

  before(async () => {
    stack = await Stack.start({ extraConf: 'link_allow_private = true' });
    const linked = await pack(await makePackage(path.join(stack.dir, 'linked'), { name: 'browser-pkg', version: '0.9.0' }));
    tarballServer = http.createServer((req, res) => {
      res.writeHead(req.url === '/browser-pkg-0.9.0.tgz' ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(req.url === '/browser-pkg-0.9.0.tgz' ? linked : '');
    });
    await new Promise((r) => tarballServer.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
        '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    // The stack's certificate comes from its own CA; TLS itself is tested with curl and npm.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await mkdir(artifacts, { recursive: true });
  });
  after(async () => {
    tarballServer?.close();
    await browser?.close();
    await stack?.stop();
  });

  const shoot = async (name) => {
    await page.screenshot({ path: path.join(artifacts, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(artifacts, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  };
  const whoami = (token) => stack.curl('/-/whoami', { headers: { authorization: `Bearer ${token}` } });

  let userToken;
  let projectToken;

  test('register on the home page, confirm from the mailed link, and read the token shown once', async () => {
    await page.goto(`${stack.url}/`);
    await shoot('home');
    await page.fill('#register input[name="user"]', 'person@example.com');
    await page.click('#register button[type="submit"]');
    await page.waitForLoadState();
    assert.match(await page.textContent('h1'), /Check your email/);
    await page.goto((await mailLink(stack, 'person@example.com', 'confirm')).href);
    await shoot('confirm');
    await page.fill('input[name="name"]', 'person');
    await page.click('form[action="/-confirm"] button[type="submit"]');
    await page.waitForSelector('#token');
    userToken = (await page.textContent('#token')).trim();
    assert.match(userToken, /^depot_/);
    assert.match(await page.textContent('body'), /shown only this once/);
    await shoot('token');
    assert.equal((await whoami(userToken)).status, 200);
  });

  test('create a project; its page\'s button trades the token in the URL for a cookie', async () => {
    await page.goto(`${stack.url}/`);
    const forms = page.locator('form', { has: page.locator('input[name="create"]') });
    await forms.locator('input[name="create"]').fill('browser-pkg');
    await forms.locator('input[name="ut"]').fill(userToken);
    await forms.locator('button[type="submit"]').click();
    await page.waitForSelector('form[action="/browser-pkg/-/session"]');
    await shoot('token-switch');
    await page.click('form[action="/browser-pkg/-/session"] button[type="submit"]');
    await page.waitForSelector('#project-token');
    assert.equal(page.url(), `${stack.url}/browser-pkg`, 'no token in the address bar');
    projectToken = (await page.textContent('#project-token')).trim();
    assert.match(projectToken, /^depot_/);
    const cookies = await page.context().cookies();
    const c = cookies.find((x) => x.name === 'depot_token');
    assert.ok(c && c.httpOnly && c.secure && c.sameSite === 'Strict');
    await shoot('project');
  });

  test('register a version by link in the management page', async () => {
    await page.goto(`${stack.url}/browser-pkg`);
    const link = page.locator('form[action="/browser-pkg/-/link"]');
    await link.locator('input[name="version"]').fill('v0.9.0');
    await link.locator('input[name="link"]').fill(`http://127.0.0.1:${tarballServer.address().port}/browser-pkg-0.9.0.tgz`);
    await link.locator('button[type="submit"]').click();
    await page.waitForLoadState();
    assert.equal(page.url(), `${stack.url}/browser-pkg`);
    assert.match(await page.textContent('ul.versions'), /0\.9\.0/);
  });

  test('publish with the project token, set stable in the page, follow the link and download', async () => {
    const home = path.join(stack.dir, 'browser-npm');
    await mkdir(home, { recursive: true });
    await writeFile(path.join(home, '.npmrc'), `//127.0.0.1:${stack.httpsPort}/:_authToken=${projectToken}\n`);
    const readme = '# Browser package\n\n<script>window.__xss = 1</script>\n\nSafe *markdown*.';
    const dir = await makePackage(stack.dir, { name: 'browser-pkg', version: '1.0.0',
      description: '<img src=x onerror="window.__xss=2"> described' }, { readme });
    const r = await stack.npm(['publish'], { cwd: dir, home: 'browser-npm' });
    assert.equal(r.code, 0, r.stderr);

    await page.goto(`${stack.url}/browser-pkg`);
    const stable = page.locator('form[action="/browser-pkg/stable"]');
    await stable.locator('input[name="version"]').fill('v0.9.0');
    await stable.locator('button[type="submit"]').click();
    await page.waitForLoadState();
    assert.equal(page.url(), `${stack.url}/browser-pkg`);
    assert.match(await page.textContent('ul.tags'), /stable\s+0\.9\.0/);

    const download = await page.request.get(`${stack.url}/browser-pkg/stable`);
    assert.equal(download.status(), 200);
    assert.equal(download.headers()['content-type'], 'application/octet-stream');
    assert.ok((await download.body()).length > 100);
  });

  test('turn two-factor authentication on and off in the account page: a QR code, codes, recovery codes', async () => {
    // The user token's cookie (the project's was the last one taken).
    await page.goto(`${stack.url}/browser-pkg?ut=${encodeURIComponent(userToken)}`);
    await page.click('form[action="/browser-pkg/-/session"] button[type="submit"]');
    await page.waitForLoadState();
    await page.goto(`${stack.url}/-/account`);
    assert.equal((await page.textContent('#tfa-mode')).trim(), 'off');
    await page.click('form[action="/-/account"] button[type="submit"]');
    await page.waitForSelector('svg.qr');
    const box = Number(await page.getAttribute('svg.qr', 'viewBox').then((v) => v.split(' ')[2]));
    assert.equal((box - 8 - 17) % 4, 0, `a QR code's size is 17 + 4 × version: ${box - 8}`);
    assert.ok(await page.locator('svg.qr rect').count() > 200, 'the modules are drawn');
    const secret = (await page.textContent('#tfa-secret')).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await shoot('account-2fa');
    const step = currentStep();
    await page.fill('input[name="otp"]', totp(secret, step));
    await page.click('form[action="/-/account"] button[type="submit"]');
    await page.waitForSelector('ul.codes');
    assert.equal(await page.locator('ul.codes li').count(), 10);
    assert.equal((await page.textContent('#tfa-mode')).trim(), 'auth-and-writes');
    await shoot('account-recovery-codes');
    // The package's forms now ask for a code.
    await page.goto(`${stack.url}/browser-pkg`);
    assert.equal(await page.locator('form[action="/browser-pkg/-/deprecate"] input[name="otp"]').count(), 1);
    // Off again, with the next step's code.
    await page.goto(`${stack.url}/-/account`);
    const off = page.locator('form', { has: page.locator('input[name="action"][value="disable"]') });
    await off.locator('input[name="otp"]').fill(totp(secret, step + 1));
    await off.locator('button[type="submit"]').click();
    await page.waitForLoadState();
    assert.equal((await page.textContent('#tfa-mode')).trim(), 'off');
    // Web tokens expire; the same page renews the one in use: shown once, the old one stops.
    assert.match(await page.textContent('body'), /It stops working on \d{4}-\d{2}-\d{2}/);
    const renew = page.locator('form', { has: page.locator('input[name="action"][value="renew"]') });
    await renew.locator('button[type="submit"]').click();
    await page.waitForSelector('#new-token');
    const renewed = (await page.textContent('#new-token')).trim();
    assert.match(renewed, /^depot_/);
    assert.equal((await whoami(userToken)).status, 401);
    assert.equal((await whoami(renewed)).status, 200);
    userToken = renewed;
    await page.goto(`${stack.url}/-/account`);
    assert.equal((await page.textContent('#tfa-mode')).trim(), 'off', 'the cookie follows the new token');
  });

  test('script in a description or README shows as text and never runs', async () => {
    await page.goto(`${stack.url}/browser-pkg`);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.match(await page.textContent('.package > p'), /<img src=x onerror="window.__xss=2"> described/);
    assert.equal(await page.locator('.readme script').count(), 0);
    assert.equal(await page.locator('.readme em').textContent(), 'markdown');
    assert.equal(await page.locator('.package .alert').count(), 0, 'no deprecation note for a live version');
    assert.equal(await page.locator('.deprecated').count(), 0);
    assert.match(await page.textContent('ul.owners'), /person/);
    assert.doesNotMatch(await page.textContent('body'), /person@example\.com/, 'no email on public pages');
    await shoot('package');
  });

  test('reset the token from the emailed link; the old token stops working', async () => {
    await page.goto(`${stack.url}/`);
    await page.fill('#reset input[name="user"]', 'person@example.com');
    await page.click('#reset button[type="submit"]');
    await page.waitForLoadState();
    assert.match(await page.textContent('h1'), /Check your email/);
    await page.goto((await mailLink(stack, 'person@example.com', 'reset')).href);
    assert.equal((await whoami(userToken)).status, 200, 'opening the link changes nothing');
    await shoot('reset-page');
    await page.click('form[action="/-reset"] button[type="submit"]');
    await page.waitForSelector('#token');
    const fresh = (await page.textContent('#token')).trim();
    assert.notEqual(fresh, userToken);
    assert.match(await page.textContent('body'), /stopped working/);
    assert.equal((await whoami(userToken)).status, 401);
    assert.equal((await whoami(fresh)).status, 200);
    await shoot('reset');
  });
});
