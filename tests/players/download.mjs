// The offline file in Chromium's own player: <video src=download.mp4> (no MSE, no streaming library) loads
// both tracks, plays, and seeks to the middle (through the file's mfra index or a scan), with no error.
// usage: node download.mjs LADDER_DIR
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const dir = path.resolve(process.argv[2] || '');
const file = path.join(dir, 'download.mp4');
const size = fs.statSync(file).size;
const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><video id="v" src="/download.mp4" muted playsinline></video>');
    return;
  }
  if (req.url !== '/download.mp4') { res.writeHead(404); res.end(); return; }
  const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range || '');
  const a = m ? +m[1] : 0, b = m && m[2] ? Math.min(+m[2], size - 1) : size - 1;
  res.writeHead(m ? 206 : 200, { 'Content-Type': 'video/mp4', 'Accept-Ranges': 'bytes', 'Content-Length': b - a + 1,
    ...(m ? { 'Content-Range': `bytes ${a}-${b}/${size}` } : {}) });
  fs.createReadStream(file, { start: a, end: b }).pipe(res);
});
const timer = setTimeout(() => { console.log('FAIL: download.mjs over 90 s'); process.exit(1); }, 90000);
let browser, ok = false;
try {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => document.getElementById('v').readyState >= 1, null, { timeout: 20000 });
  const info = await page.$eval('#v', (v) => ({ d: v.duration, w: v.videoWidth, h: v.videoHeight }));
  console.log(`download.mp4: ${info.d.toFixed(2)} s, ${info.w}x${info.h}`);
  await page.$eval('#v', (v) => v.play());
  await page.waitForFunction(() => document.getElementById('v').currentTime > 1.5, null, { timeout: 20000 });
  const mid = info.d / 2;
  await page.$eval('#v', (v, t) => { v.currentTime = t; }, mid);
  await page.waitForFunction((t) => { const v = document.getElementById('v'); return v.currentTime > t + 1 && !v.error; },
    mid, { timeout: 20000 });
  const err = await page.$eval('#v', (v) => (v.error ? v.error.message || String(v.error.code) : ''));
  if (err) throw new Error(err);
  if (!(info.w > 0 && info.d > 1)) throw new Error('no picture or no duration');
  ok = true;
} catch (e) {
  console.log('FAIL: ' + e.message);
} finally {
  if (browser) await browser.close();
  server.close();
  clearTimeout(timer);
}
console.log(ok ? 'PASS: download.mp4 plays and seeks in Chromium' : 'FAIL: download.mp4 in Chromium');
process.exit(ok ? 0 : 1);
