// Datasources: every stream announced by a control message. "Send to
// deployment" re-sends only the control message, so another deployment
// trains on the same records already in Kafka's log.
import { useState } from 'preact/hooks';
import { api, type Datasource, type Deployment, type RefusedControlMessage } from '../api';
import { ListPage } from '../components/list_page';
import { Empty, formatTime, Link, Table } from '../components/ui';
import { useAction, usePoll } from '../poll';

function SendTo(props: { source: Datasource; deployments: Deployment[] }) {
	const others = props.deployments.filter((d) => d.id !== props.source.deployment);
	const [target, setTarget] = useState('');
	const [sent, setSent] = useState<number | null>(null);
	const action = useAction();
	const chosen = target || (others.length ? String(others[others.length - 1].id) : '');
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
	return (
		<>
			<ListPage
				title="Datasources"
				subtitle="Data streams received. Kafka's log keeps them: reuse one for another deployment without sending the data again."
				load={data}
				rows={data.data && sources}
				head={['#', 'Stream', 'Format', 'Messages', ['Val. / test', 'hide-sm'], 'Deployment', ['Received', 'hide-sm'], 'Send to deployment']}
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
							<td class="num">{s.total_msg}</td>
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
						</tr>
					))
				}
			</ListPage>
			<Refused refused={refused} />
		</>
	);
}
