// The loopback server of the interop test: one origin for both trackers, so they share the
// cookies of one site, and a fake collector for the JavaScript tracker's emitter.
//
// Routes (everything else is 404):
//   /harness.html, /harness.mjs    the test page (page/)
//   /vendor/sp.js                  the JavaScript tracker's UMD build, minified, from node_modules
//   /vendor/sp.debug.js            the same, not minified
//   /pkg/<file>                    this project's package (target/web/pkg, built by `cargo xtask web`)
//   /example/<file>                examples/web-page, with its ./pkg/ mapped onto the package
//   POST /com.snowplowanalytics.snowplow/tp2
//                                  the collector: the JavaScript tracker's events are kept here
//                                  (answered 200, so the emitter does not retry)

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The file `rest` names under `root`, or null when it would leave `root` or is hidden. */
function under(root, rest) {
  const segments = rest.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.') || s.includes('\\'))) return null;
  const file = path.resolve(root, ...segments);
  return file.startsWith(path.resolve(root) + path.sep) ? file : null;
}

/**
 * Starts the server on 127.0.0.1 (a free port). `pkgDir` is the package, `exampleDir` the
 * example page. Resolves to `{ port, collected, close }`; `collected` holds each payload the
 * collector received (the tracker protocol's fields of one event).
 */
export async function startServer({ pkgDir, exampleDir }) {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const pageDir = path.join(here, 'page');
  const umdDir = path.dirname(require.resolve('@snowplow/browser-tracker/dist/index.umd.js'));
  const collected = [];

  const fileFor = (pathname) => {
    if (pathname === '/harness.html' || pathname === '/harness.mjs') {
      return path.join(pageDir, pathname.slice(1));
    }
    if (pathname === '/favicon.ico') return path.join(pageDir, 'favicon.svg');
    if (pathname === '/vendor/sp.js') return path.join(umdDir, 'index.umd.min.js');
    if (pathname === '/vendor/sp.debug.js') return path.join(umdDir, 'index.umd.js');
    if (pathname.startsWith('/pkg/')) return under(pkgDir, pathname.slice('/pkg/'.length));
    if (pathname === '/example/') return path.join(exampleDir, 'index.html');
    if (pathname.startsWith('/example/pkg/')) {
      return under(pkgDir, pathname.slice('/example/pkg/'.length));
    }
    if (pathname.startsWith('/example/')) {
      return under(exampleDir, pathname.slice('/example/'.length));
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://localhost');
    if (req.method === 'POST' && pathname === '/com.snowplowanalytics.snowplow/tp2') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          for (const payload of body.data ?? []) collected.push(payload);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        } catch (e) {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(`not a tracker protocol body: ${e.message}`);
        }
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const file = fileFor(pathname);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`${pathname}: ${err.code}`);
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    collected,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
