/**
 * A small static file server on 127.0.0.1 for the built demo page (port chosen by the OS). `mounts` serve more
 * directories under a path prefix (the e2e test's graph-model check page, kept out of the demo's build).
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

export async function serveDirectory(dir: string, options: { mounts?: Record<string, string> } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const mounts = Object.entries(options.mounts ?? {}).map(([prefix, path]) => ({ prefix: `/${prefix.replace(/^\/+|\/+$/g, '')}/`, root: resolve(path) }));
  const server: Server = createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    let root = resolve(dir);
    const mount = mounts.find((m) => path.startsWith(m.prefix));
    if (mount !== undefined) {
      root = mount.root;
      path = path.slice(mount.prefix.length - 1);
    }
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
