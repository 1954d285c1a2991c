import { defineConfig } from 'vite';

// The built app is served by `kafkaml server` from its web root, API under
// /api/v1 on the same origin. `npm run dev` proxies /api to the server named
// by KAFKAML_API (default the address `kafkaml up` prints).
const api = process.env.KAFKAML_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
	base: '/',
	// The code editor and the charts are dynamic imports (their own chunks);
	// the manifest names them for the UI test, which checks they load lazily.
	build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 500, manifest: true },
	server: { proxy: { '/api': { target: api, changeOrigin: true } } },
});
