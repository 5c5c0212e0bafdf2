// Vite config for the renderer. `base: './'` keeps asset URLs relative so the
// same build loads from seqlab serve (http://) and Electron's app:// protocol.
// Dev: set SEQLAB_URL and SEQLAB_TOKEN (from `seqlab serve --json`) to proxy /api.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const backend = process.env['SEQLAB_URL'];

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Chromium and Electron support modulepreload; the polyfill is dead weight.
    modulePreload: { polyfill: false },
  },
  server: {
    // The contract lives in ../core/contract.
    fs: { allow: ['..'] },
    ...(backend
      ? {
          proxy: {
            '/api': { target: backend, changeOrigin: true, headers: { Authorization: `Bearer ${process.env['SEQLAB_TOKEN'] ?? ''}` } },
          },
        }
      : {}),
  },
});
