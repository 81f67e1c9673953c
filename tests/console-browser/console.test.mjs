// The Mesh console in a real browser (Debian's chromium driven by playwright-core), against a
// console in front of running services seeded by Mesh.Console.Tests, which passes:
//   MESH_CONSOLE_URL     the console, e.g. http://127.0.0.1:43123
//   MESH_ACME_KEY        a key of tenant acme
//   MESH_ACME_TOTAL_USD  acme's cost over the last 24 hours as telemetry's GetUsage reports it
//   MESH_ACME_RUN        a finished run of acme; MESH_GLOBEX_RUN: one of globex
//   MESH_GLOBEX_ONLY     a resource only globex used
//   MESH_SCREENSHOTS     where the screenshots go
//   CHROMIUM             the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.MESH_CONSOLE_URL;
const shots = process.env.MESH_SCREENSHOTS ?? 'screenshots';
let browser, context, page;
const problems = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // A script the page's policy refused, or one that threw, is a failure of the page.
  page.on('console', m => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', e => problems.push(String(e)));
});

after(async () => { await browser?.close(); });

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test('signs in with a key that never appears in a URL or to scripts', async () => {
  const requested = [];
  page.on('request', r => requested.push(r.url()));
  await page.goto(`${url}/cost`);
  assert.match(page.url(), /\/signin\?returnUrl=%2Fcost$/);
  await shot('signin');
  await page.fill('#apiKey', process.env.MESH_ACME_KEY);
  await Promise.all([page.waitForURL(`${url}/cost`), page.click('button[type=submit]')]);
  assert.ok(requested.every(u => !u.includes(process.env.MESH_ACME_KEY)), 'the key went into a URL');
  assert.equal(await page.evaluate(() => document.cookie.includes('mesh-console=')), false, 'scripts can read the session cookie');
  const cookie = (await context.cookies()).find(c => c.name === 'mesh-console');
  assert.ok(cookie?.httpOnly, 'the session cookie is not HttpOnly');
  assert.equal(cookie.sameSite, 'Strict');
});

test('the cost chart draws the numbers of the gRPC report', async () => {
  await page.goto(`${url}/cost?window=24h&bucket=hour&by=resource`);
  await page.waitForSelector('#cost-chart[data-rendered]');
  assert.equal(await page.getAttribute('#total-cost', 'data-usd'), process.env.MESH_ACME_TOTAL_USD);
  const drawn = await page.evaluate(() => {
    const chart = Chart.getChart('cost-chart');
    return { sum: chart.data.datasets.reduce((t, d) => t + d.data.reduce((a, v) => a + (v ?? 0), 0), 0), labels: chart.data.datasets.map(d => d.label) };
  });
  assert.ok(Math.abs(drawn.sum - Number(process.env.MESH_ACME_TOTAL_USD)) < 1e-9, `the chart adds up to ${drawn.sum}`);
  assert.ok(drawn.labels.includes('tiny-gpt'), `series: ${drawn.labels}`);
  assert.ok(!drawn.labels.includes(process.env.MESH_GLOBEX_ONLY));
  await shot('cost');
});

test('sorting the breakdown and choosing another stacking reload the page with them', async () => {
  await page.click('#breakdown thead th:first-child a');
  await page.waitForSelector('#breakdown th[aria-sort="descending"]:first-child, #breakdown th[aria-sort="ascending"]:first-child');
  await Promise.all([page.waitForURL(/by=principal/), page.selectOption('select[name=by]', 'principal')]);
  await page.waitForSelector('#cost-chart[data-rendered]');
  assert.ok(await page.isVisible('td[data-key="alice"]'));
});

test('tenant acme never sees tenant globex, also by URL tampering', async () => {
  for (const path of ['/cost?by=tenant', '/cost?tenant=globex', '/runs', '/latency', '/budgets', '/alerts']) {
    await page.goto(`${url}${path}`);
    const text = await page.content();
    assert.ok(!text.includes(process.env.MESH_GLOBEX_ONLY), `${path} shows globex's resource`);
    assert.ok(!text.includes('globex'), `${path} names globex`);
  }
  assert.deepEqual(problems, []);
  const response = await page.goto(`${url}/runs/${process.env.MESH_GLOBEX_RUN}`);
  assert.equal(response.status(), 404);
  // The browser reports the 404 of that page itself as a console error: expected here.
  problems.splice(0, problems.length, ...problems.filter(p => !p.includes('status of 404')));
  assert.ok(!(await page.content()).includes('globex-sums'));
});

test("a run's timeline shows its steps, the tool's result and cost", async () => {
  await page.goto(`${url}/runs`);
  await page.click(`a[href="/runs/${process.env.MESH_ACME_RUN}"]`);
  await page.waitForSelector('#steps tr[data-step="add"]');
  const width = await page.$eval('#steps tr[data-step="add"] .bar-fill', e => e.style.width);
  assert.match(width, /%$/, 'the waterfall bar has no width');
  await page.click('#steps tr[data-step="add"] details summary');
  assert.match(await page.textContent('#steps tr[data-step="add"] pre.json'), /42/);
  assert.match(await page.textContent('#run-cost'), /^\$/);
  await shot('run');
});

test("the VRIO page shows acme's capabilities with a verdict each, and none of globex's", async () => {
  await page.goto(`${url}/vrio`);
  await page.waitForSelector('#vrio tr[data-capability]');
  const verdicts = await page.$$eval('#vrio tr[data-capability] td strong', cells => cells.map(c => c.textContent.trim()));
  assert.ok(verdicts.length > 0 && verdicts.every(v => v.length > 0), 'a capability without a verdict');
  assert.ok(!(await page.textContent('#vrio')).includes(process.env.MESH_GLOBEX_ONLY), 'globex capability on acme\'s VRIO page');
});

test('every other page renders without a script or policy error', async () => {
  for (const [name, path, selector] of [
    ['latency', '/latency?window=24h', '#latency-chart[data-rendered]'],
    ['budgets', '/budgets', '#budgets'],
    ['forecast', '/forecast', '#forecast-chart[data-rendered]'],
    ['alerts', '/alerts', '#alert-rules'],
    ['vrio', '/vrio', '#vrio'],
    ['runs', '/runs', '#runs'],
  ]) {
    await page.goto(`${url}${path}`);
    await page.waitForSelector(selector);
    await shot(name);
  }
  assert.deepEqual(problems, []);
});
