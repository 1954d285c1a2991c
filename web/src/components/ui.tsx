// Small shared pieces of the pages: links, error boxes, badges, empty states.
import type { ComponentChildren } from 'preact';
import { ApiError, extraDetail } from '../api';
import { type Ability, roleNeeded, useCan, useSession } from '../auth';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { linkClick } from '../router';

export function Link(props: { href: string; class?: string; children: ComponentChildren; title?: string }) {
	return (
		<a href={props.href} class={props.class} title={props.title} onClick={linkClick}>
			{props.children}
		</a>
	);
}

/** The API's error as it came: its `error`, then its `detail`. */
export function ErrorBox(props: { error: ApiError | null | undefined; onClose?: () => void }) {
	const e = props.error;
	if (!e) return null;
	const detail = extraDetail(e.error, e.detail);
	return (
		<div class="error-box" role="alert">
			<div>
				<strong>{e.error}</strong>
				{detail && <pre class="error-detail">{detail}</pre>}
				{e.status === 403 && <p>Ask an admin for a token of a role that may do this.</p>}
			</div>
			{props.onClose && (
				<button class="icon-button" aria-label="Dismiss" onClick={props.onClose}>
					×
				</button>
			)}
		</div>
	);
}

export function StatusBadge(props: { status: string }) {
	return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}

/** A primary call to action: [href, label, what it does] (shown only to a role that may). */
export type Action = [string, string, Ability];

function ActionLink(props: { action: Action | undefined }) {
	const can = useCan();
	if (!props.action || !can(props.action[2])) return null;
	return (
		<Link href={props.action[0]} class="button primary">
			{props.action[1]}
		</Link>
	);
}

export function PageHeader(props: { title: string; subtitle?: ComponentChildren; action?: Action; children?: ComponentChildren }) {
	return (
		<header class="page-header">
			<div>
				<h1>{props.title}</h1>
				{props.subtitle && <p class="subtitle">{props.subtitle}</p>}
			</div>
			{(props.children || props.action) && (
				<div class="page-actions">
					{props.children}
					<ActionLink action={props.action} />
				</div>
			)}
		</header>
	);
}

export function Empty(props: { title: string; action?: Action; children?: ComponentChildren }) {
	return (
		<div class="empty">
			<div class="empty-icon" aria-hidden="true">
				∅
			</div>
			<h2>{props.title}</h2>
			{props.children && <div class="empty-text">{props.children}</div>}
			<ActionLink action={props.action} />
		</div>
	);
}

/** In place of a page or control the signed-in role may not use: the role it needs. */
export function RoleNeeded(props: { ability: Ability; what?: string }) {
	const session = useSession();
	const needed = roleNeeded(props.ability);
	return (
		<div class="empty role-needed" role="note">
			<div class="empty-icon" aria-hidden="true">
				🔒
			</div>
			<h2>
				{props.what ?? 'This page'} needs the {needed} role
			</h2>
			<p class="empty-text">
				You are signed in as {session?.user.name ?? 'someone'}, whose role is {session?.user.role ?? 'viewer'}. Ask an admin for a token of a user with the{' '}
				{needed} role{needed === 'operator' ? ' or the admin role' : ''}.
			</p>
			<p>
				<Link href="/models">Go to the models</Link>
			</p>
		</div>
	);
}

export function Loading() {
	return <p class="muted">Loading…</p>;
}

/** A page's body once its data has come; until then the load's error or "Loading…". */
export function WhenLoaded<T>(props: { load: { data: T | undefined; error: ApiError | null; loading: boolean }; children: (data: T) => ComponentChildren }) {
	const { data, error, loading } = props.load;
	return (
		<>
			<ErrorBox error={error} />
			{data === undefined ? loading && <Loading /> : props.children(data)}
		</>
	);
}

export function Field(props: { label: string; hint?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
	return (
		<label class={props.wide ? 'field field-wide' : 'field'}>
			<span class="field-label">{props.label}</span>
			{props.children}
			{props.hint && <span class="field-hint">{props.hint}</span>}
		</label>
	);
}

export function formatNumber(v: unknown, digits = 4): string {
	if (typeof v !== 'number' || !Number.isFinite(v)) return v === undefined || v === null ? '—' : String(v);
	if (Number.isInteger(v)) return String(v);
	return Number(v.toPrecision(digits)).toString();
}

export function formatTime(iso: string | undefined): string {
	if (!iso) return '—';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function formatBytes(n: number | undefined): string {
	if (n === undefined || n < 0) return '—';
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
	return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Scalar metrics of a metrics object, in a stable order (loss first). */
export function scalarMetrics(m: Record<string, unknown> | undefined): [string, number][] {
	if (!m) return [];
	const out = Object.entries(m).filter((e): e is [string, number] => typeof e[1] === 'number');
	return out.sort((a, b) => (a[0] === 'loss' ? -1 : b[0] === 'loss' ? 1 : a[0].localeCompare(b[0])));
}

/** A column heading; `[label, class]` to style the column (e.g. hide-sm). */
export type Head = string | [string, string];

/** A list page's body: loading, its empty state, or the table of rows. */
export function Listing<T>(props: {
	rows: T[] | undefined;
	loading: boolean;
	empty: ComponentChildren;
	head: Head[];
	children: (rows: T[]) => ComponentChildren;
}) {
	if (props.rows === undefined) return props.loading ? <Loading /> : null;
	if (props.rows.length === 0) return <>{props.empty}</>;
	return (
		<div class="card table-card">
			<Table head={props.head}>{props.children(props.rows)}</Table>
		</div>
	);
}

/**
 * A table of rows that a phone shows as a stack of cards, one per row, each
 * cell under its column's name: the names are copied from the head into the
 * cells' data-label after each render (the pages write plain <td>s).
 */
export function Table(props: { head: Head[]; children: ComponentChildren; class?: string }) {
	const table = useRef<HTMLTableElement>(null);
	const labels = props.head.map((h) => (typeof h === 'string' ? h : h[0]));
	useLayoutEffect(() => {
		for (const row of table.current?.tBodies[0]?.rows ?? []) {
			for (let i = 0; i < row.cells.length; i++) {
				const label = labels[i] ?? '';
				if (row.cells[i].dataset.label !== label) row.cells[i].dataset.label = label;
			}
		}
	});
	return (
		<div class="table-scroll">
			<table class={`list stack ${props.class ?? ''}`} ref={table}>
				<thead>
					<tr>
						{props.head.map((h) =>
							typeof h === 'string' ? (
								<th key={h}>{h}</th>
							) : (
								<th key={h[0]} class={h[1]}>
									{h[0]}
								</th>
							),
						)}
					</tr>
				</thead>
				<tbody>{props.children}</tbody>
			</table>
		</div>
	);
}

/** One labelled figure of a summary card. */
export function Fact(props: { label: string; children: ComponentChildren; class?: string }) {
	return (
		<div>
			<dt>{props.label}</dt>
			<dd class={props.class}>{props.children}</dd>
		</div>
	);
}
