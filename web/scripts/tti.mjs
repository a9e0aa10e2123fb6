// Time to interactive of the SLE (N049) form page, cold cache (issue #18, goal ≤ 1 s):
//   NANBYO_WEB_URL=https://127.0.0.1:8443 node scripts/tti.mjs [runs]
// Each run: a new browser context (empty cache, cache disabled) with the session
// cookie of one POST /api/rpc/login (doctor 1310123455-0001 of the demo data),
// then a navigation to #/forms/<id> of an SLE draft. Measured from the
// navigation's start: the first item on screen (form_layout rendered) and
// the first answer of check_form shown (the page is usable and judged).
import { chromium } from 'playwright-core';

const BASE = (process.env.NANBYO_WEB_URL ?? 'https://127.0.0.1:8443').replace(/\/$/, '');
const runs = Number(process.argv[2] ?? 5);
const ID = '1310123455-0001';
const H = { 'Content-Type': 'application/json', 'X-Requested-With': 'nanbyo-web' };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });
const results = [];
let formId, state;
try {
  // one login (the edge limits logins per id): its cookie is given to every fresh context
  const first = await browser.newContext({ ignoreHTTPSErrors: true });
  const login = await first.request.post(`${BASE}/api/rpc/login`, { headers: H, data: { login_id: ID, password: 'Demo-Pass-2026!', key: `NANBYO-KEY-1:DEMO-${ID}` } });
  if (!login.ok()) throw new Error(`login: ${login.status()} ${await login.text()}`);
  state = await first.storageState();
  await first.close();
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP', ignoreHTTPSErrors: true, storageState: state });
    if (!formId) {
      const r = await ctx.request.post(`${BASE}/api/rpc/create_form`, { headers: H, data: { patient_id: 1, disease_code: 'N049', purpose: 'new' } });
      if (!r.ok()) throw new Error(`create_form: ${r.status()} ${await r.text()}`);
      formId = (await r.json()).id;
    }
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await page.goto(`${BASE}/#/forms/${formId}`, { waitUntil: 'commit' });
    await page.locator('#fi-eular_ana_positive').waitFor();
    const items = await page.evaluate(() => performance.now());
    await page.getByText(/エラー \d+件・確認 \d+件/).first().waitFor();
    const judged = await page.evaluate(() => performance.now());
    const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd }; });
    const bytes = await page.evaluate(() => performance.getEntriesByType('resource').reduce((s, r) => s + (r.transferSize || 0), 0));
    results.push({ dcl: nav.dcl, items, judged, bytes });
    if (process.env.TTI_VERBOSE) console.log(await page.evaluate(() => performance.getEntriesByType('resource')
      .map((r) => `  ${r.name.replace(location.origin, '')} ${r.startTime.toFixed(0)}–${r.responseEnd.toFixed(0)} ms ${r.transferSize} B`).join('\n')));
    await ctx.close();
  }
} finally { await browser.close(); }
const med = (k) => { const v = results.map((r) => r[k]).sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
for (const r of results) console.log(`run: DOMContentLoaded ${r.dcl.toFixed(0)} ms, form rendered ${r.items.toFixed(0)} ms, first check shown ${r.judged.toFixed(0)} ms`);
console.log(`median of ${runs}: DOMContentLoaded ${med('dcl').toFixed(0)} ms, form rendered ${med('items').toFixed(0)} ms, first check shown ${med('judged').toFixed(0)} ms`);
