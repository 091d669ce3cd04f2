import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/, which control serves at `/`. The manifest lets scripts/bundle-size.mjs find the initial chunks.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, manifest: true, chunkSizeWarningLimit: 900 },
});
