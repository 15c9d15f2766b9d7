// lstream-httpd's own page in Debian's Chromium (playwright-core from tests/players): choose a recording,
// upload it through the form, follow the server-sent progress until the ladder is done, and play it with
// hls.js (served by the server from --assets) until the video has advanced.
// usage: node upload.mjs BASE_URL RECORDING
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'players', 'package.json'));
const { chromium } = require('playwright-core');
const [base, recording] = process.argv.slice(2);
const timer = setTimeout(() => { console.log('FAIL: upload and playback over 150 s'); process.exit(1); }, 150000);
let browser, ok = false;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/');
  await page.setInputFiles('#file', recording);
  await page.click('#go');
  await page.waitForSelector('#status[data-state]', { timeout: 120000 });
  const state = await page.$eval('#status', (e) => e.dataset.state + ': ' + e.textContent);
  console.log('page: ' + state);
  if (!state.startsWith('done')) throw new Error('the job did not finish: ' + state);
  await page.waitForFunction(() => {
    const v = document.querySelector('#v');
    return v && v.currentTime > 2 && !v.error;
  }, null, { timeout: 30000 });
  const t = await page.$eval('#v', (v) => [v.currentTime, v.videoWidth, v.videoHeight, !!window.hls]);
  console.log(`playing: ${t[0].toFixed(1)} s, ${t[1]}x${t[2]}, hls.js ${t[3]}`);
  if (!t[3]) throw new Error('the page did not use hls.js');
  if (errors.length) throw new Error('page errors: ' + errors.join('; '));
  ok = true;
} catch (e) {
  console.log('FAIL: ' + e.message);
} finally {
  if (browser) await browser.close();
  clearTimeout(timer);
}
console.log(ok ? 'PASS: uploaded through the page and played in Chromium' : 'FAIL: page upload');
process.exit(ok ? 0 : 1);
