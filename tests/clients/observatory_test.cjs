// The observatory page (gateway/observatory.html, served at "/") as a person sees it: Debian's Chromium, headless,
// driven by playwright-core, against a real gateway and node holding the sample programme. The figures, chart
// bars, open tenders and latest awards on screen must be the ones the gateway's JSON routes answer; a change made
// meanwhile must show without reloading; the page loads nothing from anywhere but the gateway. Keeps a screenshot
// in PASSERELLE_ARTIFACT_DIR. Run by tests/support/local_programme.py:
//   local_programme.py -- node --test observatory_test.cjs

'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');

const base = process.env.PASSERELLE_GATEWAY_URL;
const observer = process.env.PASSERELLE_OBSERVER_TOKEN;
const admin = process.env.PASSERELLE_ADMIN_TOKEN;
const sample = JSON.parse(process.env.PASSERELLE_SAMPLE);
const screenshot = path.join(process.env.PASSERELLE_ARTIFACT_DIR || '.', 'observatory.png');

async function api(route, { token = observer, method = 'GET', body } = {}) {
  const response = await fetch(base + route, {
    method, headers: { Authorization: `Bearer ${token}` }, body: body && JSON.stringify(body) });
  const answer = await response.json();
  assert.equal(response.status, 200, `${method} ${route}: ${JSON.stringify(answer)}`);
  return answer;
}
const report = (dimension) => api(`/v1/impact:report?groupBy=REPORT_DIMENSION_${dimension}`);
// What the page shows for basis points: two decimals from integer arithmetic.
const percent = (bp) => `${Math.trunc((bp || 0) / 100)}.${String((bp || 0) % 100).padStart(2, '0')} %`;

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                                    args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});
after(() => browser && browser.close());

// A page at "/" in a fresh profile, recording console errors and every request that leaves the gateway.
async function openPage(query) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(base + '/')) problems.push(`request elsewhere: ${request.url()}`);
  });
  await page.goto(`${base}/${query}`);
  return { page, problems, close: () => context.close() };
}

// The slots of one chart, as [group, basis points or ''] pairs, and what the report says they should be.
const barsOf = (page, id) => page.$$eval(`#${id} g.bar`, (bars) => bars.map((b) => [b.dataset.group, b.dataset.bp]));
const expectedBars = (r, known, bp) => (r.rows || []).map((row) => {
  const f = row.figures || {};
  return [row.group, Number(f[known] || 0) > 0 ? String(f[bp] || 0) : ''];
});

test('the page shows the report, its charts, open tenders and latest awards, and follows changes', async () => {
  const { page, problems, close } = await openPage(`?token=${observer}&refresh=1`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
  assert.ok(!page.url().includes('token='), 'the token leaves the address bar once kept');

  const [byMonth, byBuyer] = await Promise.all([report('MONTH'), report('BUYER')]);
  // The two targets: 371 insertion hours of 2,700; 290,000 of 1,040,000 euros to TPE/PME and SSE structures.
  assert.equal(byMonth.totals.insertionRatioBasisPoints, 1374);
  assert.equal(byMonth.totals.smeSseShareBasisPoints, 2788);
  assert.equal(await page.textContent('#insertion-ratio'), percent(byMonth.totals.insertionRatioBasisPoints));
  assert.equal(await page.textContent('#sme-share'), percent(byMonth.totals.smeSseShareBasisPoints));
  assert.equal(await page.textContent('#insertion-target'), '10.00 %');
  assert.equal(await page.textContent('#sme-target'), '25.00 %');
  assert.equal(await page.textContent('#insertion-status'), 'met');

  // One bar slot per report row, in the report's order, each carrying its row's figure.
  for (const [id, r, known, bp] of [
    ['chart-month-hours', byMonth, 'totalHundredths', 'insertionRatioBasisPoints'],
    ['chart-month-amounts', byMonth, 'awardedCents', 'smeSseShareBasisPoints'],
    ['chart-buyer-hours', byBuyer, 'totalHundredths', 'insertionRatioBasisPoints'],
    ['chart-buyer-amounts', byBuyer, 'awardedCents', 'smeSseShareBasisPoints']]) {
    assert.deepEqual(await barsOf(page, id), expectedBars(r, known, bp), id);
  }
  assert.deepEqual((await barsOf(page, 'chart-month-hours')).map(([group]) => group), ['2025-02', '2025-03', '2025-04']);
  assert.deepEqual(await barsOf(page, 'chart-buyer-amounts'), [['buyers/paris-2024', '10000'], ['buyers/solideo', '1935']]);

  const shownTenders = () => page.$$eval('#open-tenders li[data-tender]', (items) => items.map((i) => i.dataset.tender).sort());
  assert.deepEqual(await shownTenders(), sample.open_tenders);
  assert.equal(await page.textContent('#open-count'), String(sample.open_tenders.length));
  assert.ok((await page.textContent('#open-tenders')).includes('Démontage des tribunes'));
  const awards = await page.$$eval('#latest-awards li[data-award]', (items) => items.map((i) => i.dataset.award));
  assert.deepEqual(awards, ['tenders/aquatics-catering/lots/1', 'tenders/village/lots/1', 'tenders/village/lots/2'],
                   'latest first');

  // Live: a facilitator validates the pending declaration and a buyer publishes its forecast notice; the page
  // shows both at its next refresh, without a reload.
  await api(`/v1/${sample.pending_declaration}:validate`, { token: admin, method: 'POST', body: {} });
  await api('/v1/tenders/forecast-paths:publish', { token: admin, method: 'POST', body: {} });
  const updated = await report('MONTH');
  assert.notEqual(updated.totals.insertionRatioBasisPoints, byMonth.totals.insertionRatioBasisPoints);
  await page.waitForFunction((text) => document.getElementById('insertion-ratio').textContent === text,
                             percent(updated.totals.insertionRatioBasisPoints), { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('#open-tenders li[data-tender="tenders/forecast-paths"]'),
                             null, { timeout: 10_000 });
  assert.deepEqual(await barsOf(page, 'chart-month-hours'),
                   expectedBars(updated, 'totalHundredths', 'insertionRatioBasisPoints'));

  await page.screenshot({ path: screenshot, fullPage: true });
  assert.deepEqual(problems, []);
  await close();
});

test('the page is public; without a token it asks for one, then shows the figures', async () => {
  const response = await fetch(`${base}/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/html/);

  const { page, problems, close } = await openPage('');
  await page.waitForSelector('body[data-state="needs-token"]', { timeout: 10_000 });
  assert.ok(await page.isVisible('#token-form'));
  await page.fill('#token-input', 'not-a-token');
  await page.click('#token-form button');
  await page.waitForSelector('body[data-state="needs-token"] #updated.stale', { timeout: 10_000 });
  await page.fill('#token-input', observer);
  await page.click('#token-form button');
  await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
  assert.equal(await page.textContent('#insertion-ratio'), percent((await report('MONTH')).totals.insertionRatioBasisPoints));
  // The browser reports the refused token's 401 on its console; nothing else may go wrong.
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await close();
});
