/**
 * The demo page: `web/` is the root, the fixture (model, demo credentials, sample digits, TF.js .wasm files) is the
 * public directory, and `edgepro/runtime` resolves to the runtime's source, so the page needs no prior `tsc` build.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  // Relative asset URLs: the built page works from any directory a static server puts it in.
  base: './',
  // No single-page fallback: a file a bundle does not have (say password.edgepro of a model with no lock) must be a
  // 404, not index.html, for the runtime to read it as absent.
  appType: 'mpa',
  publicDir: here('../.cache/web-fixture/public'),
  resolve: { alias: { 'edgepro/runtime': here('../src/runtime/index.ts') } },
  build: { outDir: here('../.cache/web-dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
