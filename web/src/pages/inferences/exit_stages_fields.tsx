// The stages of an early-exit chain in the deploy form: a model with several
// outputs may be served as one stage per output, each with its replicas,
// and every stage but the last with the confidence threshold at which it
// answers an input instead of passing it on. A trained result's exit table
// gives the count; a result without it (an uploaded model) lets the user say
// how many outputs the model has, and the server refuses a wrong count.
import type { ConfidenceRule, InferenceExitInput, KafkaCluster } from '../../api';
import { Field } from '../../components/ui';
import { ClusterField } from './cluster_field';

/** One stage as typed: empty input topic and cluster take the server's defaults. */
export interface StageRow {
	threshold: string;
	confidence: ConfidenceRule;
	replicas: string;
	inputTopic: string;
	broker: string;
}

export function stageRow(): StageRow {
	return { threshold: '0.9', confidence: 'top_probability', replicas: '1', inputTopic: '', broker: '' };
}

/** `rows` resized to `count`, keeping what was typed. */
export function resizeStages(rows: StageRow[], count: number): StageRow[] {
	const out = rows.slice(0, count);
	while (out.length < count) out.push(stageRow());
	return out;
}

/** The request's `exits`: undefined for a model served whole (one stage). */
export function exitsValue(rows: StageRow[]): InferenceExitInput[] | undefined {
	if (rows.length < 2) return undefined;
	return rows.map((r, k) => ({
		...(k < rows.length - 1 ? { threshold: Number(r.threshold) } : {}),
		// The server's default need not be sent.
		...(k < rows.length - 1 && r.confidence !== 'top_probability' ? { confidence: r.confidence } : {}),
		replicas: Number(r.replicas),
		// Stage 0 reads the inference's own input topic and cluster.
		...(k > 0 && r.inputTopic.trim() ? { input_topic: r.inputTopic.trim() } : {}),
		...(k > 0 && r.broker.trim() ? { bootstrap_servers: r.broker.trim() } : {}),
	}));
}

/** A stage's required number field, named exit_<what>_<k> as the request's field. */
function StageNumber(props: { k: number; what: string; min?: string; max?: string; step: string; value: string; onInput: (v: string) => void }) {
	return (
		<input
			aria-label={`Stage ${props.k} ${props.what}`}
			name={`exit_${props.what}_${props.k}`}
			type="number"
			min={props.min ?? '0'}
			max={props.max}
			step={props.step}
			value={props.value}
			onInput={(e) => props.onInput(e.currentTarget.value)}
			required
		/>
	);
}

export function ExitStagesFields(props: { rows: StageRow[]; setRows: (rows: StageRow[]) => void; known: number | null; clusters: KafkaCluster[] }) {
	const { rows, setRows } = props;
	const set = (k: number, change: Partial<StageRow>) => setRows(rows.map((r, j) => (j === k ? { ...r, ...change } : r)));
	return (
		<div class="exit-stages">
			<h3>Early exits</h3>
			<Field
				label="Stages"
				hint={
					props.known
						? `The model has ${props.known} exits: one stage each, or 1 to serve it whole.`
						: 'A model with several outputs may serve one stage per output; 1 serves it whole.'
				}
			>
				<input
					name="stages"
					type="number"
					min="1"
					step="1"
					value={String(rows.length || 1)}
					onInput={(e) => setRows(resizeStages(rows, Math.max(1, Math.floor(Number(e.currentTarget.value) || 1))))}
				/>
			</Field>
			{rows.length > 1 && (
				<div class="table-scroll">
					<table class="list stages-form">
						<thead>
							<tr>
								<th>Stage</th>
								<th>Threshold</th>
								<th>Confidence</th>
								<th>Replicas</th>
								<th>Input topic</th>
								<th>Kafka cluster</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((r, k) => (
								<tr key={k} class="stage-row">
									<td>{k}</td>
									<td>
										{k < rows.length - 1 ? (
											<StageNumber k={k} what="threshold" max="1" step="any" value={r.threshold} onInput={(v) => set(k, { threshold: v })} />
										) : (
											<span class="muted">answers all</span>
										)}
									</td>
									<td>
										{k < rows.length - 1 ? (
											<select
												aria-label={`Stage ${k} confidence`}
												name={`exit_confidence_${k}`}
												value={r.confidence}
												onChange={(e) => set(k, { confidence: e.currentTarget.value as ConfidenceRule })}
											>
												<option value="top_probability">top-class probability</option>
												<option value="margin">margin (best - second)</option>
												<option value="entropy">1 - entropy</option>
											</select>
										) : (
											<span class="muted">-</span>
										)}
									</td>
									<td>
										<StageNumber k={k} what="replicas" min="1" step="1" value={r.replicas} onInput={(v) => set(k, { replicas: v })} />
									</td>
									<td>
										{k === 0 ? (
											<span class="muted">the input topic</span>
										) : (
											<input
												aria-label={`Stage ${k} input topic`}
												name={`exit_input_topic_${k}`}
												class="mono"
												value={r.inputTopic}
												placeholder="<output topic>-stage-N"
												onInput={(e) => set(k, { inputTopic: e.currentTarget.value })}
											/>
										)}
									</td>
									<td>
										{k === 0 ? (
											<span class="muted">the input cluster</span>
										) : (
											<ClusterField
												label=""
												name={`exit_bootstrap_servers_${k}`}
												value={r.broker}
												onInput={(v) => set(k, { broker: v })}
												clusters={props.clusters}
												hint=""
											/>
										)}
									</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
		</div>
	);
}
