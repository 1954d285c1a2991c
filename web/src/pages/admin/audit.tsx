// Audit log (admin): the server's record of the changes and refused calls, newest
// first, a page of 100 at a time; "Older" follows the server's next_before,
// "Newer" goes back the way it came. Main thread only.
import { useState } from 'preact/hooks';
import { api, type AuditEntry } from '../../api';
import { Empty, ErrorBox, formatTime, Listing, PageHeader } from '../../components/ui';
import { usePoll } from '../../poll';

const PAGE = 100;

function who(e: AuditEntry): string {
	return e.user ?? 'no valid token';
}

export function AuditPage() {
	// The `before` of each page shown so far: the last is the current page's (null: the newest).
	const [pages, setPages] = useState<(number | null)[]>([null]);
	const before = pages[pages.length - 1];
	const log = usePoll(() => api.audit(before, PAGE), [before], 0);
	const next = log.data?.next_before ?? null;
	return (
		<>
			<PageHeader
				title="Audit log"
				subtitle="Every change (any call but a read) and every refused call: who made it, what it was, when, from where, and how the server answered."
			>
				<button class="small" onClick={log.reload} disabled={log.loading}>
					Refresh
				</button>
			</PageHeader>
			<ErrorBox error={log.error} />
			<Listing
				rows={log.data ? [...log.data.entries].sort((a, b) => b.id - a.id) : undefined}
				loading={log.loading}
				empty={<Empty title="No calls recorded" />}
				head={['When', 'Who', 'What', 'Status', ['From', 'hide-sm'], ['Token', 'hide-sm num']]}
			>
				{(rows) =>
					rows.map((e) => (
						<tr key={e.id} class="audit-entry" data-id={e.id}>
							<td class="nowrap muted">{formatTime(e.at)}</td>
							<td class="audit-who">{who(e)}</td>
							<td class="mono small audit-what">
								{e.method} {e.path}
							</td>
							<td class={`num audit-status ${e.status >= 400 ? 'bad' : ''}`}>{e.status}</td>
							<td class="hide-sm mono small">{e.remote_address}</td>
							<td class="hide-sm num muted">{e.token_id ?? '—'}</td>
						</tr>
					))
				}
			</Listing>
			<div class="button-row pager">
				<button class="small" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
					← Newer
				</button>
				<button class="small" disabled={next === null} onClick={() => next !== null && setPages([...pages, next])}>
					Older →
				</button>
			</div>
		</>
	);
}
