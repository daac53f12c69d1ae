/**
 * The console's build: one page, its script and styles under /console/ (the path the local host serves them on and
 * the path a CloudFront behaviour routes to the static files), written to console/dist/, which is committed.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 1024 },
  logLevel: 'warn',
});
