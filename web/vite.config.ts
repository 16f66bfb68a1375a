import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Two pages, one build: hashed assets under /assets/ (cached for good by the gateway), the HTML not.
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: { input: { shop: page('index.html'), console: page('console/index.html') } },
  },
});
