// Datasources: every stream announced by a control message. "Send to
// deployment" re-sends only the control message, so another deployment
// trains on the same records already in Kafka's log. Deleting one forgets
// it (its records stay in the log); the server refuses while its
// deployment may still read it, and the page shows why. "Delete records"
// deletes the stream's records from the log (Kafka DeleteRecords before its
// end offsets), after a confirmation naming the partitions and offsets, and
// a second one naming the earlier datasources whose records would go too.
import { useState } from 'preact/hooks';
import { api, ApiError, type Datasource, type Deployment, type RefusedControlMessage } from '../api';
import { useCan } from '../auth';
import { ListPage, useRemoval } from '../components/list_page';
import { Empty, formatTime, Link, Table } from '../components/ui';
import { useAction, usePoll } from '../poll';

/** "hcopd:0 before offset 478, ..." from a range list: what DeleteRecords takes. */
function cutsOf(topic: string): string {
	const ends = new Map<string, number>();
	for (const item of topic.split(',')) {
		const parts = item.split(':');
		if (parts.length < 4) continue;
		const key = parts.slice(0, -2).join(':');
		ends.set(key, Math.max(ends.get(key) ?? 0, Number(parts[parts.length - 1])));
	}
	return [...ends].map(([partition, end]) => `${partition} before offset ${end}`).join(', ');
}

function DeleteRecords(props: { source: Datasource; after: () => void }) {
	const action = useAction();
	const allowed = useCan()('delete');
	const s = props.source;
	if (s.records_deleted_at) return <span class="muted small">Records deleted {formatTime(s.records_deleted_at)}</span>;
	if (!allowed) return null;
	if (!s.topic.includes(':')) return null; // an online stream names no offsets
	const run = async () => {
		const question =
			`Delete the records of datasource ${s.id} from Kafka's log? Every record of ${cutsOf(s.topic)} goes, ` +
			'and the datasource can no longer be sent to a deployment.';
		if (!confirm(question)) return;
		await action.run(async () => {
			try {
				await api.deleteDatasourceRecords(s.id, false);
			} catch (e) {
				const earlier = e instanceof ApiError && e.status === 409 ? (e.detail as { datasources?: number[] } | undefined)?.datasources : undefined;
				if (!earlier) throw e;
				const also = `The records of datasource(s) ${earlier.join(', ')} lie earlier in the same partitions and would be deleted too. Delete them all?`;
				if (!confirm(also)) return;
				await api.deleteDatasourceRecords(s.id, true);
			}
		});
		props.after();
	};
	return (
		<>
			<button class="small danger" disabled={action.busy} onClick={run}>
				Delete records
			</button>
			{action.error && <span class="error-inline">{action.error.message}</span>}
		</>
	);
}

function SendTo(props: { source: Datasource; deployments: Deployment[] }) {
	const others = props.deployments.filter((d) => d.id !== props.source.deployment);
	const [target, setTarget] = useState('');
	const [sent, setSent] = useState<number | null>(null);
	const action = useAction();
	const allowed = useCan()('send');
	const chosen = target || (others.length ? String(others[others.length - 1].id) : '');
	if (props.source.records_deleted_at) return <span class="muted small">Its records were deleted from the log.</span>;
	if (!allowed) return <span class="muted small">—</span>;
	if (others.length === 0) return <span class="muted small">Deploy another configuration to reuse this stream.</span>;
	const send = async (e: Event) => {
		e.preventDefault();
		setSent(null);
		const ok = await action.run(async () => {
			await api.sendDatasource(props.source.id, Number(chosen));
			return true;
		});
		if (ok) setSent(Number(chosen));
	};
	return (
		<form class="scale" onSubmit={send}>
			<select aria-label="Deployment" value={chosen} onChange={(e) => setTarget(e.currentTarget.value)}>
				{[...others].reverse().map((d) => (
					<option key={d.id} value={d.id}>
						deployment {d.id}
					</option>
				))}
			</select>
			<button class="small primary" type="submit" disabled={action.busy}>
				Send
			</button>
			{sent !== null && (
				<span class="ok small">
					Sent to <Link href={`/deployments/${sent}`}>deployment {sent}</Link>
				</span>
			)}
			{action.error && <span class="error-inline">{action.error.message}</span>}
		</form>
	);
}

/** Records of the control topic that were not streams: shown so that a
 * stream that never arrived has a reason to read. */
function Refused(props: { refused: RefusedControlMessage[] }) {
	if (props.refused.length === 0) return null;
	return (
		<section class="refused">
			<h2>Refused control messages</h2>
			<p class="muted small">Records of the control topic that were not taken as a stream, newest first.</p>
			<div class="card table-card">
				<Table head={['Record', 'Deployment', 'Reason', ['Refused', 'hide-sm']]}>
					{props.refused.map((r) => (
						<tr key={r.id}>
							<td class="mono small">{r.control_message}</td>
							<td>{r.deployment === null ? '-' : <Link href={`/deployments/${r.deployment}`}>{r.deployment}</Link>}</td>
							<td class="error-inline">{r.reason}</td>
							<td class="hide-sm muted">{formatTime(r.time)}</td>
						</tr>
					))}
				</Table>
			</div>
		</section>
	);
}

export function DatasourcesPage() {
	const data = usePoll(() => Promise.all([api.datasources(), api.deployments(), api.refusedControlMessages()]), [], 3000);
	const [sources, deployments, refused] = data.data ?? [[], [], []];
	const removal = useRemoval(
		(s: Datasource) => `Delete datasource ${s.id} (${s.topic})? Its records stay in Kafka's log.`,
		(s) => api.deleteDatasource(s.id),
		data.reload,
	);
	return (
		<>
			<ListPage
				title="Datasources"
				subtitle="Data streams received. Kafka's log keeps them: reuse one for another deployment without sending the data again."
				load={data}
				acting={removal}
				rows={data.data && sources}
				head={[
					'#',
					'Stream',
					'Format',
					'Messages',
					['Val. / test', 'hide-sm'],
					'Deployment',
					['Received', 'hide-sm'],
					'Send to deployment',
					['Actions', 'actions-col'],
				]}
				empty={
					<Empty title="No stream received yet">
						<p>
							Streams appear here when their control message arrives, e.g. after <code>kafkaml send</code> or a Kafka-ML data-source script.
						</p>
					</Empty>
				}
			>
				{(rows) =>
					[...rows].reverse().map((s) => (
						<tr key={s.id}>
							<td class="num">{s.id}</td>
							<td>
								<span class="mono small">{s.topic}</span>
								{s.description && <div class="muted small">{s.description}</div>}
							</td>
							<td>{s.input_format}</td>
							{/* An online stream names a bare topic and has no count: it does not end. */}
							<td class="num">{s.topic.includes(':') ? s.total_msg : <span class="muted">online</span>}</td>
							<td class="num hide-sm">
								{s.validation_rate} / {s.test_rate}
							</td>
							<td>
								<Link href={`/deployments/${s.deployment}`}>{s.deployment}</Link>
							</td>
							<td class="hide-sm muted">{formatTime(s.time)}</td>
							<td>
								<SendTo source={s} deployments={deployments} />
							</td>
							<td class="actions">
								<DeleteRecords source={s} after={data.reload} />
								{removal.button(s)}
							</td>
						</tr>
					))
				}
			</ListPage>
			<Refused refused={refused} />
		</>
	);
}
