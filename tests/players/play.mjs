// Real-browser playback of a libstream ladder: hls.js (HLS), dash.js and Shaka Player (DASH) in Debian's
// Chromium, driven by playwright-core. For each player: the manifest loads, every rung is listed with its
// resolution and bit rate, playback advances, forcing the lowest then the highest rung loads that rung's
// segments and keeps playing; with VP9 rungs beside H.264 ones, forcing the lowest and highest VP9 rung switches
// codec in mid-play (each player's own way: hls.js levels, dash.js tracks, Shaka variants) and keeps playing, and
// forcing the lowest H.264 rung again switches back;
// seeking to the middle works, and the player reports no error. Lecture extras: dash.js and Shaka report the
// storyboard thumbnail of a time (DASH image AdaptationSet; Shaka also from the HLS image playlist) as thumbs.vtt
// has it, the sprite sheet loads at its size; dash.js receives the chapters' EventStream, Shaka reads
// Apple's JSON chapters from HLS and chapters.vtt with DASH; all at the chapters of ladder.json.
// usage: node play.mjs LADDER_DIR [player ...]     (players: hls dash shaka; default all)
// Serves only on 127.0.0.1, bounded in time, and closes the browser and server whatever happens.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve, chromiumArgs } from './serve.mjs';

const ladder = path.resolve(process.argv[2] || '');
const players = process.argv.length > 3 ? process.argv.slice(3) : ['hls', 'dash', 'shaka'];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LIMIT_MS = 360000;

const info = JSON.parse(fs.readFileSync(path.join(ladder, 'ladder.json'), 'utf8'));
const videoRungs = info.renditions.filter((r) => r.type === 'video').sort((a, b) => a.height - b.height);
const codecOf = (c) => (c || '').split('.')[0]; // avc1, vp09
const h264Rungs = videoRungs.filter((r) => codecOf(r.codec) === 'avc1');
const vp9Rungs = videoRungs.filter((r) => codecOf(r.codec) === 'vp09');
// what each manifest declares per rung: the players must list exactly these bit rates
const master = fs.readFileSync(path.join(ladder, 'master.m3u8'), 'utf8');
const mpd = fs.readFileSync(path.join(ladder, 'manifest.mpd'), 'utf8');
const declared = { hls: {}, dash: {} };
// (a rung is a variant in every HLS audio group, e.g. AAC and Opus: each of its variants declares its own total)
for (const m of master.matchAll(/#EXT-X-STREAM-INF:BANDWIDTH=(\d+)[^\n]*RESOLUTION=\d+x(\d+)/g)) (declared.hls[+m[2]] ||= []).push(+m[1]);
for (const m of mpd.matchAll(/<Representation id="[^"]+" bandwidth="(\d+)"[^>]*height="(\d+)"/g)) (declared.dash[+m[2]] ||= []).push(+m[1]);
const manifestOf = { hls: 'hls', dash: 'dash', shaka: 'dash' };
// the storyboard as thumbs.vtt states it (the reference every player's answer is checked against)
const storyboard = [];
const vttTime = (s) => s.split(':').reduce((a, x) => a * 60 + parseFloat(x), 0);
if (fs.existsSync(path.join(ladder, 'thumbs/thumbs.vtt')))
  for (const m of fs.readFileSync(path.join(ladder, 'thumbs/thumbs.vtt'), 'utf8').matchAll(/([\d:.]+) --> ([\d:.]+)\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/g))
    storyboard.push({ start: vttTime(m[1]), end: vttTime(m[2]), file: m[3], x: +m[4], y: +m[5], w: +m[6], h: +m[7] });
const sheet = (mpd.match(/<Representation id="thumbnails" [^>]*width="(\d+)" height="(\d+)"/) || []).slice(1).map(Number);
const chapterStarts = (info.lecture && info.lecture.chapter_files) ? info.lecture.chapters : [];
const CHAPTER_SCHEME = 'urn:libstream:chapters:2026';

// page script per player: window.start(url), window.levels(), window.force(height, codec), window.errors
const adapters = {
  hls: { lib: '/lib/hls.js', manifest: 'master.m3u8', code: `
    let hls;
    window.start = (url) => new Promise((resolve) => {
      hls = new Hls({ maxBufferLength: 4, maxMaxBufferLength: 6, startLevel: 0 });
      hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) errors.push('hls.js: ' + d.type + ' ' + d.details); });
      hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play(); resolve(); });
      hls.loadSource(url); hls.attachMedia(video);
    });
    window.levels = () => hls.levels.map((l) => ({ width: l.width, height: l.height, bandwidth: l.bitrate, codec: (l.videoCodec || '').split('.')[0] }));
    window.force = (h, c) => { const i = hls.levels.findIndex((l) => l.height === h && (l.videoCodec || '').startsWith(c)); hls.currentLevel = i; return i; };` },
  dash: { lib: '/lib/dash.js', manifest: 'manifest.mpd', code: `
    let p;
    window.start = (url) => new Promise((resolve) => {
      p = dashjs.MediaPlayer().create();
      p.updateSettings({ debug: { logLevel: 1 }, streaming: { buffer: { bufferTimeAtTopQuality: 4, bufferTimeAtTopQualityLongForm: 4, stableBufferTime: 4 } } });
      p.on(dashjs.MediaPlayer.events.ERROR, (e) => errors.push('dash.js: ' + JSON.stringify(e.error || e)));
      p.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => resolve());
      p.on('${CHAPTER_SCHEME}', (e) => chapters.push(e.event.calculatedPresentationTime), null, { mode: 'eventModeOnReceive' });
      p.initialize(video, url, true);
    });
    const chapters = [];
    window.chapters = async () => chapters.slice().sort((a, b) => a - b);
    window.thumb = (t) => new Promise((resolve) => p.provideThumbnail(t, (th) =>
      resolve(th && { url: th.url, x: th.x, y: th.y, w: th.width, h: th.height })));
    // (dash.js lists the Representations of the current video track, one AdaptationSet: every codec's, track by track)
    window.levels = () => p.getTracksFor('video').flatMap((t) => {
      const codec = (t.codec || '').replace(/^.*codecs="?([a-z0-9]+).*$/, '$1');
      return (t.bitrateList || []).map((b) => ({ width: b.width, height: b.height, bandwidth: b.bandwidth, codec }));
    });
    window.force = async (h, c) => {
      p.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
      const track = p.getTracksFor('video').find((t) => (t.codec || '').includes(c));
      const cur = p.getCurrentTrackFor('video');
      if (track && cur && track !== cur && !(cur.codec || '').includes(c)) {
        p.setCurrentTrack(track);
        await new Promise((r) => setTimeout(r, 500));
      }
      const reps = p.getRepresentationsByType('video');
      const i = reps.findIndex((r) => r.height === h && (r.codecs || r.mimeType || '').includes(c));
      const j = i >= 0 ? i : reps.findIndex((r) => r.height === h);
      p.setRepresentationForTypeByIndex('video', j, true);
      return j;
    };` },
  shaka: { lib: '/lib/shaka.js', manifest: 'manifest.mpd', code: `
    let p;
    window.start = async (url) => {
      shaka.polyfill.installAll();
      p = new shaka.Player();
      await p.attach(video);
      p.configure({ streaming: { bufferingGoal: 4, rebufferingGoal: 1 } });
      p.addEventListener('error', (e) => errors.push('shaka: ' + (e.detail && e.detail.code)));
      await p.load(url);
      video.play();
    };
    window.chapters = async (vtt) => {
      // from HLS, Shaka has Apple's JSON chapters (EXT-X-SESSION-DATA) already; chapters.vtt added beside them
      // would be merged by start, end and title, and a float end (start + duration) can differ in the last bit
      let got = await p.getChaptersAsync('und');
      if (!got.length) {
        await p.addChaptersTrack(vtt, 'und');
        got = await p.getChaptersAsync('und');
      }
      return got.map((c) => c.startTime);
    };
    window.thumb = async (t) => {
      const tracks = p.getImageTracks();
      if (!tracks.length) return null;
      const th = await p.getThumbnails(tracks[0].id, t);
      return th && { url: th.uris[0], x: th.positionX, y: th.positionY, w: th.width, h: th.height };
    };
    window.levels = () => p.getVariantTracks().map((t) => ({ width: t.width, height: t.height, bandwidth: t.videoBandwidth || t.bandwidth, codec: (t.videoCodec || '').split('.')[0] }));
    window.force = (h, c) => {
      p.configure({ abr: { enabled: false } });
      const t = p.getVariantTracks().find((v) => v.height === h && (v.videoCodec || '').startsWith(c));
      p.selectVariantTrack(t, true);
      return t ? t.id : -1;
    };` },
};

function page(name) {
  const a = adapters[name];
  return `<!doctype html><html><body><video id="v" muted playsinline width="640"></video>
<script src="${a.lib}"></script><script>
const video = document.getElementById('v'); const errors = []; window.errors = errors;
video.addEventListener('error', () => errors.push('video element: ' + (video.error && video.error.message)));
${a.code}
</script></body></html>`;
}

const { server, requests } = serve(ladder, (name) => (adapters[name] ? page(name) : null));

let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++; else { failed++; console.log('FAIL ' + what); }
  return ok;
}

async function waitFor(pg, fn, arg, ms) {
  try { await pg.waitForFunction(fn, arg, { timeout: ms, polling: 100 }); return true; } catch { return false; }
}

async function segmentRequested(rung, since, ms) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (requests.slice(since).some((u) => u.startsWith(`/ladder/${rung}/seg_`))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function testPlayer(browser, base, name) {
  const ctx = await browser.newContext();
  const pg = await ctx.newPage();
  const consoleErrors = [];
  pg.on('pageerror', (e) => consoleErrors.push(e.message));
  try {
    await pg.goto(`${base}/page/${name}.html`);
    await pg.evaluate((u) => window.start(u), `${base}/ladder/${adapters[name].manifest}`);
    check(await waitFor(pg, () => document.getElementById('v').currentTime > 1.0, null, 30000),
      `${name}: playback did not advance past 1 s`);
    const levels = await pg.evaluate(() => window.levels());
    // every picture size is listed; hls.js and dash.js list every rung of both codecs, Shaka keeps one codec per
    // size (the cheaper one: its own choice) — so every rung a player lists must be the ladder's, as declared
    const uniq = (a) => [...new Set(a)].sort((x, y) => x - y);
    check(JSON.stringify(uniq(levels.map((l) => l.height))) === JSON.stringify(uniq(videoRungs.map((r) => r.height))),
      `${name}: sizes listed ${JSON.stringify(uniq(levels.map((l) => l.height)))}, ladder has ${JSON.stringify(uniq(videoRungs.map((r) => r.height)))}`);
    const isListed = (r) => levels.some((x) => x.height === r.height && x.codec === codecOf(r.codec));
    if (name !== 'shaka')
      for (const r of videoRungs) check(isListed(r), `${name}: rung ${r.id} (${r.codec}) is not listed`);
    for (const r of videoRungs.filter(isListed)) {
      const l = levels.find((x) => x.height === r.height && x.codec === codecOf(r.codec));
      const want = declared[manifestOf[name]][r.height] || [];
      check(l && l.width === r.width && want.includes(l.bandwidth),
        `${name}: rung ${r.id} listed as ${JSON.stringify(l)}, manifest declares ${r.width}x${r.height} at ${want.join(' or ')} bit/s`);
    }
    // the lowest and highest listed H.264 rung, then (a codec switch) the lowest and highest listed VP9 one, then
    // back to the lowest H.264 one
    const forced = [];
    const h264Listed = h264Rungs.filter(isListed), vp9Listed = vp9Rungs.filter(isListed);
    for (const rungs of [h264Listed, vp9Listed])
      if (rungs.length) forced.push(...new Set([rungs[0], rungs[rungs.length - 1]]));
    if (vp9Listed.length && h264Listed.length) forced.push(h264Listed[0]);
    for (const r of forced) {
      const mark = requests.length;
      const t = await pg.evaluate(() => document.getElementById('v').currentTime);
      await pg.evaluate(([h, c]) => window.force(h, c), [r.height, codecOf(r.codec)]);
      check(await segmentRequested(r.id, mark, 20000), `${name}: forcing ${r.id} loaded none of its segments`);
      check(await waitFor(pg, (t0) => document.getElementById('v').currentTime > t0 + 1.0, t, 20000),
        `${name}: playback stalled after forcing ${r.id}`);
      check(await waitFor(pg, (h) => document.getElementById('v').videoHeight === h, r.height, 20000),
        `${name}: picture never became ${r.id} (the picture is ${await pg.evaluate(() => document.getElementById('v').videoHeight)} high)`);
    }
    const dur = await pg.evaluate(() => document.getElementById('v').duration);
    check(Math.abs(dur - info.duration) < 0.5, `${name}: duration ${dur}, ladder ${info.duration}`);
    const mid = info.duration / 2;
    await pg.evaluate((m) => { document.getElementById('v').currentTime = m; }, mid);
    check(await waitFor(pg, (m) => { const v = document.getElementById('v'); return !v.seeking && v.currentTime > m + 0.5; }, mid, 20000),
      `${name}: seeking to ${mid.toFixed(1)} s did not resume playback`);
    if (name !== 'hls') await lectureExtras(pg, base, name); // hls.js has no thumbnail or chapter API
    const errors = await pg.evaluate(() => window.errors);
    check(errors.length === 0 && consoleErrors.length === 0, `${name}: errors ${JSON.stringify(errors.concat(consoleErrors))}`);
  } catch (e) {
    check(false, `${name}: ${e.message}`);
  } finally {
    await ctx.close();
  }
}

// thumbnails at a few times, as thumbs.vtt has them, the sheet loading at its size; chapters at ladder.json's
async function lectureExtras(pg, base, name) {
  if (storyboard.length) {
    for (const t of [3, info.duration / 2 + 1, info.duration - 2]) {
      const want = storyboard.find((c) => t >= c.start && t < c.end);
      const got = await pg.evaluate((x) => window.thumb(x), t);
      check(got && want && got.url.endsWith('/thumbs/' + want.file) && Math.round(got.x) === want.x && Math.round(got.y) === want.y &&
        Math.round(got.w) === want.w && Math.round(got.h) === want.h,
        `${name}: thumbnail at ${t.toFixed(1)} s is ${JSON.stringify(got)}, thumbs.vtt has ${JSON.stringify(want)}`);
      if (got) {
        const img = await pg.evaluate(async (u) => { const r = await fetch(u); const b = await createImageBitmap(await r.blob()); return [r.status, b.width, b.height]; }, got.url);
        check(JSON.stringify(img) === JSON.stringify([200, ...sheet]), `${name}: sprite sheet ${got.url} loads as ${JSON.stringify(img)}, the MPD says ${sheet}`);
      }
    }
  }
  if (chapterStarts.length) {
    const got = await pg.evaluate((u) => window.chapters(u), `${base}/ladder/chapters.vtt`);
    check(got.length === chapterStarts.length && got.every((t, i) => Math.abs(t - chapterStarts[i]) < 0.01),
      `${name}: chapters at ${JSON.stringify(got)}, ladder.json has ${JSON.stringify(chapterStarts)}`);
  }
}

// Shaka from the HLS multivariant playlist: its image stream (EXT-X-IMAGE-STREAM-INF) gives the same thumbnails
async function testShakaHls(browser, base) {
  const ctx = await browser.newContext();
  const pg = await ctx.newPage();
  try {
    await pg.goto(`${base}/page/shaka.html`);
    await pg.evaluate((u) => window.start(u), `${base}/ladder/master.m3u8`);
    check(await waitFor(pg, () => document.getElementById('v').currentTime > 1.0, null, 30000), 'shaka (HLS): playback did not advance past 1 s');
    await lectureExtras(pg, base, 'shaka (HLS)');
    const errors = await pg.evaluate(() => window.errors);
    check(errors.length === 0, `shaka (HLS): errors ${JSON.stringify(errors)}`);
  } catch (e) {
    check(false, `shaka (HLS): ${e.message}`);
  } finally {
    await ctx.close();
  }
}

const timer = setTimeout(() => { console.log('FAIL: player tests over their time limit'); process.exit(1); }, LIMIT_MS);
let browser;
try {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: chromiumArgs,
  });
  for (const name of players) {
    const before = failed;
    await testPlayer(browser, base, name);
    console.log(`${name}: ${failed === before ? 'ok' : 'FAILED'}`);
  }
  if (players.includes('shaka') && storyboard.length) {
    const before = failed;
    await testShakaHls(browser, base);
    console.log(`shaka (HLS thumbnails): ${failed === before ? 'ok' : 'FAILED'}`);
  }
} catch (e) {
  check(false, 'harness: ' + e.message);
} finally {
  if (browser) await browser.close();
  server.close();
  clearTimeout(timer);
}
console.log(`players: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
