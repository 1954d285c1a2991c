// A tiny history-API router: the server answers every client route with
// index.html, so paths like /models/3 survive a reload. Main thread only.
import { useEffect, useState } from 'preact/hooks';

export function navigate(to: string, replace = false): void {
	if (to === location.pathname + location.search) return;
	if (replace) history.replaceState(null, '', to);
	else history.pushState(null, '', to);
	window.dispatchEvent(new Event('kafkaml-navigate'));
	window.scrollTo(0, 0);
}

/** The current path and query; re-renders the caller on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
	const [, setTick] = useState(0);
	useEffect(() => {
		const update = () => setTick((t) => t + 1);
		window.addEventListener('popstate', update);
		window.addEventListener('kafkaml-navigate', update);
		return () => {
			window.removeEventListener('popstate', update);
			window.removeEventListener('kafkaml-navigate', update);
		};
	}, []);
	return { path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search) };
}

/** Matches `/a/:id` against a path; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
	const p = pattern.split('/');
	const s = path.split('/');
	if (p.length !== s.length) return null;
	const params: Record<string, string> = {};
	for (let i = 0; i < p.length; i++) {
		if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(s[i]);
		else if (p[i] !== s[i]) return null;
	}
	return params;
}

/** Click handler for <a href>: in-app navigation unless a modifier asks for a new tab. */
export function linkClick(e: MouseEvent): void {
	const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
	if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
	e.preventDefault();
	navigate(a.getAttribute('href') ?? '/');
}
