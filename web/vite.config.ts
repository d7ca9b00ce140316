import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run build:web` writes web/dist, which `porchlight serve` serves at /. `npm run dev:web`
// serves the app with hot reload and sends /v1 to the API on PORT (3000).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: path.join(import.meta.dirname, 'dist'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/v1': `http://localhost:${process.env.PORT ?? 3000}` } },
});
