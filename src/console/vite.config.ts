// Builds the console (`npm run console:build`) into dist/console, which the hub serves at /console.
// `npm run console:dev` serves it with hot reload on :5173 and passes API calls to a hub on :4000.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const hub = process.env.KETENHUB_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The hub's CSP allows no inline script or style: keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      '/graphql': hub,
      '/console/dev-sign-in': hub,
      '/console/dev-token': hub,
    },
  },
});
