// Live playback of a live libstream ladder while it is being made: hls.js (HLS), dash.js and Shaka Player (DASH)
// in Debian's Chromium, side by side, each at the live edge for PLAY_S seconds. Checked for each: it starts as a live
// stream, playback advances with the wall clock (at least 90 % of the time played), no stall longer than a second
// after the start, no player error; its latency is measured twice: glass to glass (the capture time the test source
// stamps into each picture, read back from the picture the player shows, against the clock) and as the player
// reports it (hls.js from EXT-X-PROGRAM-DATE-TIME, dash.js and Shaka from the MPD's availabilityStartTime): the two
// agree within a second, and hls.js's is within 3 target durations + 2 s (issue 12). Prints one JSON line of
// figures per player (BENCHMARKS.md).
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
// glass to glass: the capture time the test source stamped into the picture (input_gst.c: a grey band, a twelfth
// of the height, of 34 blocks across: white, black, then 32 bits of Unix milliseconds), read from the picture
// shown now (luma, averaged over the middle of each block)
const cv = document.createElement('canvas');
window.stampLatency = () => {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return NaN;
  cv.width = w; cv.height = h;
  const ctx = cv.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const bw = w / 34, bh = h / 12;
  const img = ctx.getImageData(0, Math.floor(bh * 0.25), w, Math.max(1, Math.floor(bh * 0.5)));
  const at = (b) => {
    let sum = 0, n = 0;
    for (let y = 0; y < img.height; y++)
      for (let x = Math.floor((b + 0.3) * bw); x < Math.floor((b + 0.7) * bw); x++) {
        const i = 4 * (y * img.width + x);
        sum += 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2]; n++;
      }
    return n ? sum / n : 0;
  };
  const white = at(0), black = at(1);
  if (white - black < 100) return NaN;
  let ms = 0;
  for (let b = 0; b < 32; b++) ms = ms * 2 + (at(b + 2) > (white + black) / 2 ? 1 : 0);
  const d = ((Date.now() % 4294967296) - ms + 4294967296) % 4294967296;
  return d < 600000 ? d / 1000 : NaN;
};
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
      const s = await pages[n].pg.evaluate(() => ({ t: video.currentTime, paused: video.paused, live: window.isLive(), lat: window.latency(), g2g: window.stampLatency(), err: window.errors.slice() }));
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
    const stats = (key) => {
      const xs = run.slice(Math.floor(run.length / 4)).map((s) => s[key]).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
      return xs.length ? { min: +xs[0].toFixed(2), median: +xs[xs.length >> 1].toFixed(2), max: +xs[xs.length - 1].toFixed(2), n: xs.length } : null;
    };
    // (the last three quarters of the minute: the first is the player's start-up, catching up to its target)
    const lat = stats('lat'), g2g = stats('g2g');
    check(lat, `${n}: no latency figure from the player`);
    check(g2g && g2g.n >= 10, `${n}: the capture time stamped in the picture could not be read`);
    // hls.js's figure comes from EXT-X-PROGRAM-DATE-TIME, the capture's wall clock: it must agree with the stamp in
    // the picture (the playlists' wall-clock claims are honest); dash.js and Shaka count from availabilityStartTime
    // (later than the capture by the pipeline's delay) on a clock synchronised to the MPD's UTCTiming (as old as the
    // MPD they read): theirs is lower than the stamp's; glass to glass they stay within 6 target durations + 2 s
    if (lat && g2g && n === 'hls') check(Math.abs(lat.median - g2g.median) <= 1.0, `${n}: player latency ${lat.median} s, picture stamp says ${g2g.median} s`);
    if (lat && g2g && n !== 'hls') check(lat.median <= g2g.median + 0.5, `${n}: player latency ${lat.median} s, more than the picture stamp's ${g2g.median} s`);
    if (g2g && n !== 'hls') check(g2g.median <= 6 * TARGET + 2, `${n}: latency ${g2g.median} s (picture stamp) over 6 target durations + 2 s`);
    if (n === 'hls' && g2g) check(g2g.median <= 3 * TARGET + 2, `hls.js: latency ${g2g.median} s (picture stamp) over 3 target durations + 2 s`);
    console.log(JSON.stringify({ player: n, played_s: +played.toFixed(2), wall_s: +wall.toFixed(2), max_stall_s: +stall.toFixed(2),
      latency_player_s: lat, latency_glass_to_glass_s: g2g }));
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
