import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
/** `npm run dev:ui` talks to a Gatehouse on this address (default: `npm start`'s). */
const backend = process.env.GATEHOUSE_DEV_BACKEND ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/ui/', import.meta.url)),
    emptyOutDir: true,
    // The CSP allows no inline code: keep every script and style in files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: Object.fromEntries(['/api', '/auth', '/sso', '/v1'].map((p) => [p, backend])),
  },
});
