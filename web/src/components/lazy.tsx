// Loads a chunk of the bundle on first use (a dynamic import()), so that the
// entry chunk stays small: the code editor and the charts come only with the
// pages that show them. Main thread only.
import { useEffect, useState } from 'preact/hooks';

// One promise per loader for the whole app: a page that mounts the component
// again gets the module at once, and a failed load is not retried until the
// page is reloaded (the browser keeps the failure too).
const loaded = new Map<() => Promise<unknown>, Promise<unknown>>();

export interface Lazy<T> {
	module: T | null;
	error: string | null;
}

/** The module `load` resolves to, once it has come; `error` if it cannot. */
export function useLazy<T>(load: () => Promise<T>): Lazy<T> {
	const [state, setState] = useState<Lazy<T>>({ module: null, error: null });
	useEffect(() => {
		let alive = true;
		let promise = loaded.get(load) as Promise<T> | undefined;
		if (!promise) {
			promise = load();
			loaded.set(load, promise);
		}
		promise.then(
			(module) => alive && setState({ module, error: null }),
			(e: unknown) => alive && setState({ module: null, error: e instanceof Error ? e.message : String(e) }),
		);
		return () => {
			alive = false;
		};
	}, [load]);
	return state;
}

/** Shown in place of a part whose chunk could not be fetched (e.g. the server was updated meanwhile). */
export function LazyFailed(props: { what: string; error: string }) {
	return (
		<p class="error-inline" role="alert">
			The {props.what} could not be loaded ({props.error}). Reload the page; if it persists, check that kafkaml serves the web UI it was built with.
		</p>
	);
}
