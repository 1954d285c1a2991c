// A list page: its header, the error of its load or of the last action on
// a row, and the table (or its empty state); and the confirmed delete of a
// row that most lists offer. Main thread only.
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api';
import { useCan } from '../auth';
import { useAction } from '../poll';
import { ErrorBox, type Action, type Head, Listing, PageHeader } from './ui';

export function ListPage<T>(props: {
	title: string;
	subtitle: ComponentChildren;
	action?: Action;
	/** The list's load (usePoll). */
	load: { error: ApiError | null; loading: boolean };
	/** An action on a row (useAction); its error is shown first and can be dismissed. */
	acting?: { error: ApiError | null; clear: () => void };
	rows: T[] | undefined;
	head: Head[];
	empty: ComponentChildren;
	children: (rows: T[]) => ComponentChildren;
}) {
	const actionError = props.acting?.error;
	return (
		<>
			<PageHeader title={props.title} subtitle={props.subtitle} action={props.action} />
			<ErrorBox error={actionError ?? props.load.error} onClose={actionError ? props.acting?.clear : undefined} />
			<Listing rows={props.rows} loading={props.load.loading} head={props.head} empty={props.empty}>
				{props.children}
			</Listing>
		</>
	);
}

/**
 * Deleting a row: asks `question(row)`, runs `remove(row)`, then `after()`
 * (a reload) whatever the outcome, so the list shows what the server kept.
 * The button (`label`) is there only for a role that may delete.
 */
export function useRemoval<T>(question: (row: T) => string, remove: (row: T) => Promise<unknown>, after: () => void, label = 'Delete') {
	const action = useAction();
	const allowed = useCan()('delete');
	const button = (row: T) =>
		allowed && (
			<button
				class="small danger"
				disabled={action.busy}
				onClick={async () => {
					if (!confirm(question(row))) return;
					await action.run(() => remove(row));
					after();
				}}
			>
				{label}
			</button>
		);
	return { error: action.error, clear: action.clear, button };
}
