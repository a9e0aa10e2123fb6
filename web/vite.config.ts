import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Without nginx (development), /api/ goes straight to PostgREST on the
// stack's API port; nginx does the same in front of the built client.
const api = process.env.NANBYO_API_URL ?? 'http://127.0.0.1:3031';
const proxy = {
  '/api': { target: api, changeOrigin: true, rewrite: (p: string) => p.replace(/^\/api/, '') },
};

export default defineConfig({
  plugins: [preact()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
  build: { target: 'es2022', sourcemap: false },
  test: { environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'] },
} as any);
