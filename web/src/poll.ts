// Polling hooks: pages that show running jobs refresh every 1.5 s. A poll
// runs on the main thread; a slow answer never overlaps the next request.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export const POLL_MS = 1500;

export interface Loaded<T> {
	data: T | undefined;
	error: ApiError | null;
	loading: boolean;
	reload: () => void;
}

/** Loads `fn` now and again every `interval` ms (0: once) while mounted. */
export function usePoll<T>(fn: () => Promise<T>, deps: unknown[], interval = POLL_MS): Loaded<T> {
	const [data, setData] = useState<T | undefined>(undefined);
	const [error, setError] = useState<ApiError | null>(null);
	const [loading, setLoading] = useState(true);
	const fnRef = useRef(fn);
	fnRef.current = fn;
	const generation = useRef(0);
	const [kick, setKick] = useState(0);

	useEffect(() => {
		const mine = ++generation.current;
		let timer: number | undefined;
		let alive = true;
		const run = async () => {
			try {
				const value = await fnRef.current();
				if (!alive || mine !== generation.current) return;
				setData(value);
				setError(null);
			} catch (e) {
				if (!alive || mine !== generation.current) return;
				setError(e instanceof ApiError ? e : new ApiError(0, String(e), undefined));
			} finally {
				if (alive && mine === generation.current) {
					setLoading(false);
					if (interval > 0) timer = window.setTimeout(run, document.hidden ? interval * 4 : interval);
				}
			}
		};
		setLoading(true);
		void run();
		return () => {
			alive = false;
			if (timer !== undefined) clearTimeout(timer);
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [...deps, interval, kick]);

	const reload = useCallback(() => setKick((k) => k + 1), []);
	return { data, error, loading, reload };
}

/** Runs a mutating action, keeping its error and busy state for the page. */
export function useAction(): {
	busy: boolean;
	error: ApiError | null;
	run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
	clear: () => void;
} {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<ApiError | null>(null);
	const run = useCallback(async <T>(fn: () => Promise<T>) => {
		setBusy(true);
		setError(null);
		try {
			return await fn();
		} catch (e) {
			setError(e instanceof ApiError ? e : new ApiError(0, String(e), undefined));
			return undefined;
		} finally {
			setBusy(false);
		}
	}, []);
	return { busy, error, run, clear: () => setError(null) };
}
