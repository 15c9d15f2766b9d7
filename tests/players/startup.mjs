// Startup on a slow link (S1): each player, with its default configuration (no start level, no buffer
// settings), loads the ladder from a local server and plays; the link is whatever the caller shaped (run it in a
// network namespace whose loopback is limited with tc tbf: tests/startup.sh). Per player, one JSON line:
//   {"player", "startup_s" (play() asked -> the first frame shown, manifest and init segments included),
//    "stalls", "stall_s" (time spent waiting for data after the start, within WATCH s of play), "first_rung",
//    "audio" (the audio rendition it started with), "rungs" (every video rung it fetched a segment of, in order),
//    "error"}
// usage: node startup.mjs LADDER_DIR WATCH_SECONDS [player ...]      (players: hls dash shaka; default all)
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve, chromiumArgs } from './serve.mjs';

const ladder = path.resolve(process.argv[2] || '');
const watch = +(process.argv[3] || 50);
const players = process.argv.length > 4 ? process.argv.slice(4) : ['hls', 'dash', 'shaka'];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// defaults only: what a platform gets when it drops the player into a page
const start = {
  hls: { lib: '/lib/hls.js', manifest: 'master.m3u8', code: `
    const p = new Hls(); p.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) errors.push('hls.js: ' + d.details); });
    p.loadSource(url); p.attachMedia(video); video.play().catch(() => {});` },
  dash: { lib: '/lib/dash.js', manifest: 'manifest.mpd', code: `
    const p = dashjs.MediaPlayer().create();
    p.on(dashjs.MediaPlayer.events.ERROR, (e) => errors.push('dash.js: ' + JSON.stringify(e.error || e)));
    p.initialize(video, url, true);` },
  shaka: { lib: '/lib/shaka.js', manifest: 'manifest.mpd', code: `
    shaka.polyfill.installAll(); const p = new shaka.Player();
    p.addEventListener('error', (e) => errors.push('shaka: ' + (e.detail && e.detail.code)));
    p.attach(video).then(() => p.load(url)).then(() => video.play()).catch((e) => errors.push('shaka: ' + e.code));` },
};

function page(name) {
  const a = start[name];
  if (!a) return null;
  // the clock starts when the page asks the player to play; 'first frame' is the first timeupdate past 0
  return `<!doctype html><html><body><video id="v" muted playsinline width="640"></video>
<script src="${a.lib}"></script><script>
const video = document.getElementById('v'); const errors = []; const m = { errors, stalls: 0, stall_ms: 0 };
window.m = m; let waitingSince = 0;
video.addEventListener('timeupdate', () => { if (!m.first && video.currentTime > 0) m.first = performance.now(); });
video.addEventListener('waiting', () => { if (m.first && !waitingSince) { waitingSince = performance.now(); m.stalls++; } });
video.addEventListener('playing', () => { if (waitingSince) { m.stall_ms += performance.now() - waitingSince; waitingSince = 0; } });
window.go = (url) => { m.t0 = performance.now(); ${a.code} };
window.report = () => ({ ...m, stall_ms: m.stall_ms + (waitingSince ? performance.now() - waitingSince : 0) });
</script></body></html>`;
}

const { server, requests } = serve(ladder, page);
const timer = setTimeout(() => { console.log('{"error": "startup harness over its time limit"}'); process.exit(1); },
  (watch + 60) * 1000 * players.length + 30000);
let browser, failed = 0;
try {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs });
  for (const name of players) {
    const ctx = await browser.newContext();
    const pg = await ctx.newPage();
    const pageErrors = [];
    pg.on('pageerror', (e) => pageErrors.push(e.message));
    const out = { player: name };
    try {
      await pg.goto(`${base}/page/${name}.html`);
      const mark = requests.length;
      await pg.evaluate((u) => window.go(u), `${base}/ladder/${start[name].manifest}`);
      await pg.waitForFunction(() => window.m.first, null, { timeout: 60000, polling: 50 });
      const first = await pg.evaluate(() => window.m.first - window.m.t0);
      // watch the rest of the window for stalls: WATCH s from play()
      await pg.waitForTimeout(Math.max(0, watch * 1000 - first));
      const r = await pg.evaluate(() => window.report());
      const rungs = [];
      for (const u of requests.slice(mark)) {
        const m = /^\/ladder\/(v[^/]+)\/seg_/.exec(u);
        if (m && rungs[rungs.length - 1] !== m[1]) rungs.push(m[1]);
      }
      const audio = requests.slice(mark).map((u) => /^\/ladder\/([^/]+)\/seg_/.exec(u)).filter((m) => m && !m[1].startsWith('v'));
      Object.assign(out, { startup_s: +(first / 1000).toFixed(2), stalls: r.stalls, stall_s: +(r.stall_ms / 1000).toFixed(2),
        first_rung: rungs[0] || null, audio: audio.length ? audio[0][1] : null, rungs });
      if (r.errors.length || pageErrors.length) out.error = r.errors.concat(pageErrors).join('; ');
    } catch (e) {
      out.error = e.message.split('\n')[0];
    } finally {
      await ctx.close();
    }
    if (out.error) failed++;
    console.log(JSON.stringify(out));
  }
} catch (e) {
  console.log(JSON.stringify({ error: 'harness: ' + e.message }));
  failed++;
} finally {
  if (browser) await browser.close();
  server.close();
  clearTimeout(timer);
}
process.exit(failed ? 1 : 0);
