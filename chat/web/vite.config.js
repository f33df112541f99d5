import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

// The build goes straight into the chat module's classes so that `mvn package` ships it
// inside the chat jar under `web/`; the server serves that classpath prefix at `/`.
const outDir = fileURLToPath(new URL('../target/classes/web', import.meta.url));

// `npm run dev`: the page is served by Vite on :5173 and HTTP routes are proxied to a
// running Switchboard (default http://localhost:8080). The WebSocket goes directly to
// that server (VITE_SWITCHBOARD_PORT), see src/chat.js.
const backend = process.env.SWITCHBOARD_URL || 'http://localhost:8080';

export default defineConfig({
  plugins: [vue()],
  base: './',
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    // Two pages: the chat at / and the operator console at /console/ (console/index.html); they share assets/.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        console: fileURLToPath(new URL('./console/index.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/auth': backend,
      '/chat': backend,
      '/keys': backend,
      // The operators' console (/console/ in dev: http://localhost:5173/console/).
      '/metrics': backend,
      '/status': backend,
      '/channels': backend,
      '/rules': backend,
      '/health': backend,
    },
  },
  test: {
    include: ['test/**/*.test.js'],
    environment: 'node',
  },
});
