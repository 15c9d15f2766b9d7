// Live playback of a live libstream ladder while it is being made: hls.js (HLS), dash.js and Shaka Player (DASH)
// in Debian's Chromium, side by side, each at the live edge for PLAY_S seconds. Checked for each: it starts as a live
// stream, playback advances with the wall clock (at least 90 % of the time played), no stall longer than a second
// after the start, no player error, and its latency (wall clock minus the wall-clock time of the picture shown:
// hls.js from EXT-X-PROGRAM-DATE-TIME, dash.js and Shaka from the MPD's availabilityStartTime) is measured; hls.js's
// must be within 3 target durations + 2 s (issue 12). Prints one JSON line of figures per player (BENCHMARKS.md).
// usage: node live.mjs LIVE_DIR [PLAY_S] [TARGET_S]
import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { serve, chromiumArgs } from './serve.mjs';

const dir = path.resolve(process.argv[2] || '');
const PLAY_S = +(process.argv[3] || 60);
const TARGET = +(process.argv[4] || 2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const adapters = {
  hls: { lib: '/lib/hls.js', manifest: 'master.m3u8', code: `
    let hls;
    window.start = (url) => {
      // hls.js's defaults (3 target durations behind the live edge), and allowed to play up to 1.5x to get back
      // there after its start-up (a platform serving a class live would set so; without it the start-up time
      // stays added to the latency for the whole lecture)
      hls = new Hls({ maxLiveSyncPlaybackRate: 1.5 });
      hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) errors.push('hls.js: ' + d.type + ' ' + d.details); });
      hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
      hls.loadSource(url); hls.attachMedia(video);
    };
    window.isLive = () => !!(hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0] || {}).details && hls.levels.some((l) => l.details && l.details.live);
    window.latency = () => hls.playingDate ? (Date.now() - hls.playingDate.getTime()) / 1000 : NaN;` },
  dash: { lib: '/lib/dash.js', manifest: 'manifest.mpd', code: `
    let p;
    window.start = (url) => {
      p = dashjs.MediaPlayer().create();
      p.updateSettings({ debug: { logLevel: 1 } });
      p.on(dashjs.MediaPlayer.events.ERROR, (e) => errors.push('dash.js: ' + JSON.stringify(e.error || e)));
      p.initialize(video, url, true);
    };
    window.isLive = () => { try { return p.isDynamic(); } catch (e) { return false; } };
    window.latency = () => { try { return p.getCurrentLiveLatency(); } catch (e) { return NaN; } };` },
  shaka: { lib: '/lib/shaka.js', manifest: 'manifest.mpd', code: `
    let p;
    window.start = async (url) => {
      shaka.polyfill.installAll();
      p = new shaka.Player();
      await p.attach(video);
      p.addEventListener('error', (e) => errors.push('shaka: ' + (e.detail && e.detail.code)));
      try { await p.load(url); video.play(); } catch (e) { errors.push('shaka load: ' + (e && e.code)); }
    };
    window.isLive = () => !!(p && p.isLive());
    window.latency = () => { const d = p && p.getPlayheadTimeAsDate(); return d ? (Date.now() - d.getTime()) / 1000 : NaN; };` },
};

function page(name) {
  const a = adapters[name];
  return `<!doctype html><html><body><video id="v" muted playsinline width="480"></video>
<script src="${a.lib}"></script><script>
const video = document.getElementById('v'); const errors = []; window.errors = errors;
video.addEventListener('error', () => errors.push('video element: ' + (video.error && video.error.message)));
${a.code}
</script></body></html>`;
}

const { server } = serve(dir, (name) => (adapters[name] ? page(name) : null));
let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++; else { failed++; console.log('FAIL ' + what); }
  return ok;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
const guard = setTimeout(() => { console.log('FAIL: time limit'); process.exit(1); }, (PLAY_S + 90) * 1000);
try {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  // the live stream must have a few segments before a player joins (as students join a running class)
  for (let i = 0; i < 300 && !fs.existsSync(path.join(dir, 'manifest.mpd')); i++) await sleep(100);
  await sleep(3 * TARGET * 1000);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  const names = Object.keys(adapters);
  const pages = {};
  for (const n of names) {
    const pg = await browser.newPage();
    await pg.goto(`${base}/page/${n}.html`);
    await pg.evaluate((u) => { window.start(u); }, `${base}/ladder/${adapters[n].manifest}`);
    pages[n] = { pg, samples: [] };
  }
  // sample every player twice a second: its position, the wall clock, its latency
  const t0 = Date.now();
  while (Date.now() - t0 < PLAY_S * 1000) {
    for (const n of names) {
      const s = await pages[n].pg.evaluate(() => ({ t: video.currentTime, paused: video.paused, live: window.isLive(), lat: window.latency(), err: window.errors.slice() }));
      s.wall = (Date.now() - t0) / 1000;
      pages[n].samples.push(s);
    }
    await sleep(500);
  }
  for (const n of names) {
    const ss = pages[n].samples;
    const started = ss.findIndex((s) => s.t > 0);
    const errs = ss.length ? ss[ss.length - 1].err : [];
    check(errs.length === 0, `${n}: player errors: ${errs.join('; ')}`);
    if (!check(started >= 0, `${n}: never started`)) continue;
    check(ss.some((s) => s.live), `${n}: does not see a live stream`);
    const run = ss.slice(started);
    const played = run[run.length - 1].t - run[0].t, wall = run[run.length - 1].wall - run[0].wall;
    check(played >= 0.9 * wall, `${n}: played ${played.toFixed(1)} s of media in ${wall.toFixed(1)} s`);
    // a stall: the position does not move for more than a second (after the first 5 s of start-up)
    let stall = 0, since = null;
    for (let i = 1; i < run.length; i++) {
      if (run[i].wall - run[0].wall < 5) continue;
      if (run[i].t <= run[i - 1].t + 1e-3) { since ??= run[i - 1].wall; stall = Math.max(stall, run[i].wall - since); } else since = null;
    }
    check(stall <= 1.0, `${n}: stalled for ${stall.toFixed(1)} s`);
    const lats = run.map((s) => s.lat).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const med = lats.length ? lats[lats.length >> 1] : NaN;
    check(lats.length > 0, `${n}: no latency figure`);
    if (n === 'hls') check(med <= 3 * TARGET + 2, `hls.js: latency ${med.toFixed(2)} s over 3 target durations + 2 s`);
    console.log(JSON.stringify({ player: n, played_s: +played.toFixed(2), wall_s: +wall.toFixed(2), max_stall_s: +stall.toFixed(2),
      latency_s: { min: +(lats[0] ?? NaN).toFixed(2), median: +med.toFixed(2), max: +(lats[lats.length - 1] ?? NaN).toFixed(2) } }));
  }
} catch (e) {
  check(false, 'exception: ' + (e && e.stack || e));
} finally {
  clearTimeout(guard);
  if (browser) await browser.close().catch(() => {});
  server.close();
}
console.log(`players-live: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
