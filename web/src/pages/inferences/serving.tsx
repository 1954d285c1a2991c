// What an inference serves: a batch result's trained model, or a continual
// result's versions (its newest, followed, or one pinned), each replica's
// version as it reports it, and the control that pins or follows again.
import { useState } from 'preact/hooks';
import { api, type Inference, type InferenceServing, type LiveReplica, type ModelVersion, type ResultVersion } from '../../api';
import { useCan } from '../../auth';
import { formatNumber, Table } from '../../components/ui';
import { useAction } from '../../poll';

/** "trained model", "latest → version 7", "pinned: version 3", or what it waits for. */
export function servedText(modelVersion: ModelVersion | null | undefined, serving?: InferenceServing | null): string {
	if (modelVersion === null || modelVersion === undefined) return 'trained model';
	if (modelVersion !== 'latest') return `pinned: version ${modelVersion}`;
	if (!serving) return 'latest';
	if (!serving.ready || serving.version === null) return 'latest: waiting for the first version';
	return `latest → version ${serving.version}`;
}

/** The version a replica serves; "→ N" while it has yet to take the one it is to serve. */
function ReplicaVersion(props: { replica: LiveReplica; continual: boolean; target: number | null }) {
	const v = props.replica.model_version;
	if (v === null) return <>{props.continual ? 'none yet' : 'trained model'}</>;
	if (props.target === null || v === props.target) return <>{v}</>;
	return (
		<>
			{v} <span class="muted">→ {props.target}</span>
		</>
	);
}

/** The replicas that reported in the last seconds, each with the version it serves and its figures. */
export function LiveReplicas(props: { inference: Inference; serving: InferenceServing | null }) {
	const replicas = [...(props.inference.live_replicas ?? [])].sort((a, b) => a.replica.localeCompare(b.replica, undefined, { numeric: true }));
	if (replicas.length === 0) return <p class="muted">No replica has reported in the last seconds.</p>;
	const continual = props.inference.model_version !== null && props.inference.model_version !== undefined;
	const target = props.serving?.ready ? props.serving.version : null;
	return (
		<Table class="replicas" head={['Replica', 'Model version', 'Predictions/s', 'Lag', ['Reported', 'hide-sm']]}>
			{replicas.map((r) => (
				<tr key={r.replica}>
					<td class="mono">{r.replica}</td>
					<td class="num version">
						<ReplicaVersion replica={r} continual={continual} target={target} />
					</td>
					<td class="num">{formatNumber(r.predictions_per_second, 3)}</td>
					<td class="num">{formatNumber(r.consumer_lag)}</td>
					<td class="num hide-sm nowrap">{formatNumber(r.seconds_since_report, 2)} s ago</td>
				</tr>
			))}
		</Table>
	);
}

/**
 * Pins one of the result's versions, or follows its newest again. The
 * choice shows what the inference serves until the user picks another.
 */
export function PinVersion(props: { inference: Inference; versions: ResultVersion[]; onChange: () => void }) {
	const current = String(props.inference.model_version ?? 'latest');
	const [choice, setChoice] = useState<string | null>(null);
	const action = useAction();
	const allowed = useCan()('pin');
	const value = choice ?? current;
	if (!allowed) return null;
	const apply = async (e: Event) => {
		e.preventDefault();
		const version: ModelVersion = value === 'latest' ? 'latest' : Number(value);
		const done = await action.run(() => api.setInferenceVersion(props.inference.id, version));
		if (done) setChoice(null);
		props.onChange();
	};
	const newest = [...props.versions].sort((a, b) => b.version - a.version);
	return (
		<form class="scale pin-version" onSubmit={apply}>
			<select
				name="model_version"
				aria-label="Model version to serve"
				value={value}
				onChange={(e) => {
					setChoice(e.currentTarget.value);
					action.clear();
				}}
			>
				<option value="latest">follow the latest</option>
				{newest.map((v) => (
					<option key={v.version} value={String(v.version)}>
						version {v.version} ({v.records} records)
					</option>
				))}
			</select>
			<button class="small" type="submit" disabled={action.busy || value === current}>
				{value === 'latest' ? 'Follow' : 'Pin'}
			</button>
			{action.error && (
				<span class="error-inline" role="alert">
					{action.error.message}
				</span>
			)}
		</form>
	);
}
