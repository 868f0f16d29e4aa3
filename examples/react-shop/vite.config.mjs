// @ts-check
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // steadycart is linked from the repository (file:../..): its React and its
    // own modules must be this app's single copies.
    dedupe: ['react', 'react-dom', 'steadycart'],
  },
  // Found up front rather than on the first visit (which would reload the page once).
  optimizeDeps: { include: ['steadycart > idb', 'steadycart > ky', 'steadycart > workbox-window'] },
  build: { sourcemap: true },
});
