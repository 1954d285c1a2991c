// The stages of an early-exit chain on its inference page: each stage's
// threshold, replicas, input topic and figures (refreshed with the page's
// poll), and, for a role that may scale, a threshold editor on every stage
// but the last (which answers whatever reaches it). A change is POSTed with
// the other stages' thresholds as they are; the server's refusal is shown.
import { useState } from 'preact/hooks';
import { api, type Inference, type InferenceExit } from '../../api';
import { useCan } from '../../auth';
import { formatNumber } from '../../components/ui';
import { useAction } from '../../poll';
import { LIVE } from './live';

/** What the user types is kept across the page's polls; the button is live while it differs from the stored threshold. */
function ThresholdEditor(props: { inference: Inference; stage: InferenceExit; onChange: () => void }) {
	const exits = props.inference.exits ?? [];
	const [value, setValue] = useState(String(props.stage.threshold));
	const action = useAction();
	const apply = async (e: Event) => {
		e.preventDefault();
		const thresholds = exits.map((x) => (x.exit === props.stage.exit ? Number(value) : x.threshold));
		await action.run(() => api.setInferenceExits(props.inference.id, thresholds));
		props.onChange();
	};
	return (
		<form class="scale" onSubmit={apply}>
			<input aria-label={`Stage ${props.stage.exit} threshold`} type="number" step="any" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
			<button class="small" type="submit" disabled={action.busy || Number(value) === props.stage.threshold}>
				Set
			</button>
			{action.error && <span class="error-inline">{action.error.message}</span>}
		</form>
	);
}

export function ExitStages(props: { inference: Inference; onChange: () => void }) {
	const i = props.inference;
	const canEdit = useCan()('scale') && LIVE.has(i.status);
	const exits = i.exits ?? [];
	const figures = new Map((i.stages ?? []).map((s) => [s.exit, s]));
	return (
		<div class="table-scroll">
			<table class="list stages">
				<thead>
					<tr>
						<th>Stage</th>
						<th>Threshold</th>
						<th>Replicas (live/asked)</th>
						<th>Input topic</th>
						<th>Inputs/s</th>
						<th>Lag</th>
						<th>Answered</th>
						<th>Forwarded</th>
						<th>Share answered</th>
					</tr>
				</thead>
				<tbody>
					{exits.map((x, k) => {
						const f = figures.get(x.exit);
						const last = k === exits.length - 1;
						return (
							<tr key={x.exit} class="stage-row">
								<td>{x.exit}</td>
								<td>
									{last ? (
										<span class="muted">answers all</span>
									) : canEdit ? (
										<ThresholdEditor inference={i} stage={x} onChange={props.onChange} />
									) : (
										formatNumber(x.threshold)
									)}
									{!last && x.confidence && x.confidence !== 'top_probability' && <span class="muted"> by {x.confidence}</span>}
								</td>
								<td>
									{f?.live_replicas ?? 0}/{x.replicas}
								</td>
								<td class="mono">
									{x.input_topic || i.input_topic}
									{x.bootstrap_servers && x.bootstrap_servers !== 'default' ? ` on ${x.bootstrap_servers}` : ''}
								</td>
								<td>{f ? formatNumber(f.inputs_per_second, 3) : '—'}</td>
								<td>{formatNumber(f?.consumer_lag)}</td>
								<td>{formatNumber(f?.answered_total)}</td>
								<td>{formatNumber(f?.forwarded_total)}</td>
								<td>{f?.answered_share === null || f?.answered_share === undefined ? '—' : `${formatNumber(f.answered_share * 100, 3)}%`}</td>
							</tr>
						);
					})}
				</tbody>
			</table>
		</div>
	);
}
