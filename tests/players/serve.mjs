// The players' HTTP server (127.0.0.1 only): the ladder under /ladder/ (with byte ranges), the player libraries
// under /lib/, and a page per player under /page/NAME.html from the caller's page(name). Every request's path is
// appended to `requests`, for the tests that check what a player fetched.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const libs = {
  '/lib/hls.js': 'node_modules/hls.js/dist/hls.min.js',
  '/lib/dash.js': 'node_modules/dashjs/dist/modern/umd/dash.all.min.js',
  '/lib/shaka.js': 'node_modules/shaka-player/dist/shaka-player.compiled.js',
};
const mime = { '.m3u8': 'application/vnd.apple.mpegurl', '.mpd': 'application/dash+xml', '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4', '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };

export function serve(ladder, page) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    requests.push(url);
    let file = null;
    if (libs[url]) file = path.join(here, libs[url]);
    else if (url.startsWith('/ladder/')) {
      file = path.join(ladder, path.normalize(url.slice(8)));
      if (!file.startsWith(ladder)) file = null;
    } else if (url.startsWith('/page/')) {
      const html = page(url.slice(6).replace('.html', ''));
      if (html) { res.writeHead(200, { 'content-type': 'text/html' }); res.end(html); return; }
    }
    if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
    const data = fs.readFileSync(file);
    const range = req.headers.range && /bytes=(\d+)-(\d*)/.exec(req.headers.range);
    const type = mime[path.extname(file)] || 'application/octet-stream';
    if (range) {
      const start = +range[1], end = range[2] ? +range[2] : data.length - 1;
      res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${start}-${end}/${data.length}`, 'accept-ranges': 'bytes' });
      res.end(data.subarray(start, end + 1));
    } else {
      res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes' });
      res.end(data);
    }
  });
  return { server, requests };
}

export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];
