// A download link to an API file (a trained model). A plain <a download>
// cannot send the token, so the click fetches the file with it and saves
// it; the href stays the API's URL (copyable, and what a script fetches).
// Main thread only.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, download } from '../api';

export function DownloadLink(props: { href: string; filename: string; class?: string; title?: string; children: ComponentChildren }) {
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);
	return (
		<>
			<a
				href={props.href}
				class={props.class}
				title={props.title}
				download={props.filename}
				aria-busy={busy}
				onClick={async (e) => {
					e.preventDefault();
					if (busy) return;
					setBusy(true);
					setError(null);
					try {
						await download(props.href, props.filename);
					} catch (err) {
						setError(err instanceof ApiError ? err.message : String(err));
					} finally {
						setBusy(false);
					}
				}}
			>
				{props.children}
			</a>
			{error && (
				<span class="error-inline" role="alert">
					{error}
				</span>
			)}
		</>
	);
}
