import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // No source maps in what CloudFront serves: they would publish the source, not help customers.
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.tsx', 'test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Cloudscape's styles do not matter to what a test asserts; skipping them keeps the suite fast.
    css: false,
    testTimeout: 20_000,
  },
});
