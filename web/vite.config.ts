import { defineConfig } from 'vite';

// The built app is served by `kafkaml server` from its web root, API under
// /api/v1 on the same origin. `npm run dev` proxies /api to the server named
// by KAFKAML_API (default the address `kafkaml up` prints).
const api = process.env.KAFKAML_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
	base: '/',
	build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 800 },
	server: { proxy: { '/api': { target: api, changeOrigin: true } } },
});
