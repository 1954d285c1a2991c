// One training result: status, final metrics, live learning curves (train
// solid, validation dashed), confusion matrix, and its actions.
import { useRef } from 'preact/hooks';
import { api, isContinual, type Deployment, type Result, type ResultDrift, type ResultVersion } from '../api';
import { useCan } from '../auth';
import { DownloadLink } from '../components/download';
import { ConfusionMatrix, findConfusion } from '../components/confusion_matrix';
import { type ChartSeries, LineChart, PALETTE } from '../components/line_chart';
import { resourcesText } from '../components/resources';
import { ErrorBox, Fact, formatBytes, formatNumber, formatTime, Link, PageHeader, scalarMetrics, StatusBadge, Table, WhenLoaded } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';
import { ResultExits } from './result_exits';

const RUNNING = new Set(['created', 'deployed', 'running']);

/** Numeric per-epoch metric names seen in any of the results, loss first. */
export function curveKeys(results: Result[]): string[] {
	const keys = new Set<string>();
	for (const r of results) for (const e of r.epochs ?? []) for (const [k, v] of Object.entries(e.metrics)) if (typeof v === 'number') keys.add(k);
	const order = (k: string) => (k.replace(/^val_/, '') === 'loss' ? 0 : 1);
	return [...keys].sort((a, b) => order(a) - order(b) || a.replace(/^val_/, '').localeCompare(b.replace(/^val_/, '')) || a.length - b.length);
}

/** One metric's values by epoch number 1..n (null where missing). */
export function epochSeries(r: Result, key: string, n: number): (number | null)[] {
	const out: (number | null)[] = Array.from({ length: n }, () => null);
	for (const e of r.epochs ?? []) {
		const v = e.metrics[key];
		const i = e.epoch >= 1 ? e.epoch - 1 : e.epoch; // epochs may be numbered from 0 or 1
		if (typeof v === 'number' && i >= 0 && i < n) out[i] = v;
	}
	return out;
}

export function ResultActions(props: { result: Result; onChange: () => void; compact?: boolean; continual?: boolean }) {
	const r = props.result;
	const action = useAction();
	const can = useCan();
	const cls = props.compact ? 'small' : '';
	const stop = async () => {
		await action.run(() => api.stopResult(r.id));
		props.onChange();
	};
	const remove = async () => {
		if (!confirm(`Delete result ${r.id} and its trained model?`)) return;
		const ok = await action.run(async () => {
			await api.deleteResult(r.id);
			return true;
		});
		if (ok) {
			if (!props.compact) navigate(`/deployments/${r.deployment}`);
			else props.onChange();
		}
	};
	// A stopped continual training keeps what it learned: it downloads and serves too.
	const uploaded = Boolean(r.trained_model) || (typeof r.trained_model_size === 'number' && r.trained_model_size > 0);
	const hasModel = (r.status === 'finished' || r.status === 'stopped') && uploaded;
	// A continual training serves while it learns: its inference waits for, then follows, its versions.
	const serves = hasModel || (props.continual === true && RUNNING.has(r.status));
	return (
		<>
			{!props.compact && <ErrorBox error={action.error} onClose={action.clear} />}
			<div class="button-row">
				{serves && can('deploy') && (
					<Link href={`/inferences/new?result=${r.id}`} class={`button primary ${cls}`}>
						{props.compact ? 'Inference' : 'Deploy for inference'}
					</Link>
				)}
				{hasModel && (
					<>
						<DownloadLink
							href={api.modelDownloadUrl(r.id)}
							filename={`result-${r.id}.kafkaml`}
							class={`button ${cls}`}
							title="This system's model file (kafkaml infer, the API)"
						>
							Download
						</DownloadLink>
						<DownloadLink
							href={api.modelDownloadUrl(r.id, 'pytorch')}
							filename={`result-${r.id}.pt`}
							class={`button ${cls}`}
							title="A .pt file: torch.load gives its weights by Keras name; a PyTorch model's is its TorchScript module for torch.jit.load"
						>
							For PyTorch
						</DownloadLink>
					</>
				)}
				{RUNNING.has(r.status) && can('stop') && (
					<button class={cls} disabled={action.busy} onClick={stop}>
						Stop
					</button>
				)}
				{!RUNNING.has(r.status) && !props.compact && can('delete') && (
					<button class={`danger ${cls}`} disabled={action.busy} onClick={remove}>
						Delete
					</button>
				)}
			</div>
			{props.compact && action.error && (
				<div class="error-inline" role="alert">
					{action.error.message}
				</div>
			)}
		</>
	);
}

/**
 * The model versions of a continual training, each downloadable in both
 * formats. A phone shows each version as a card of its own (Table), so that
 * the downloads stay on the screen.
 */
function Versions(props: { result: Result; versions: ResultVersion[]; metric: string }) {
	const { result, versions, metric } = props;
	if (versions.length === 0) return <p class="muted">The first version is cut after the first window.</p>;
	const key = `prequential_${metric}`;
	return (
		<Table class="versions" head={['Version', ['Cut', 'hide-sm'], ['Records', 'num'], [key, 'num'], ['', 'actions-col']]}>
			{versions.map((v) => (
				<tr key={v.version}>
					<td>{v.version}</td>
					<td class="hide-sm">{formatTime(v.created_at)}</td>
					<td class="num">{v.records}</td>
					<td class="num">{formatNumber(v.metrics[key] ?? v.metrics[metric])}</td>
					<td class="actions">
						<div class="button-row">
							<DownloadLink href={api.versionDownloadUrl(result.id, v.version)} filename={`result-${result.id}-v${v.version}.kafkaml`} class="button small">
								Download
							</DownloadLink>
							<DownloadLink
								href={api.versionDownloadUrl(result.id, v.version, 'pytorch')}
								filename={`result-${result.id}-v${v.version}.pt`}
								class="button small"
							>
								For PyTorch
							</DownloadLink>
						</div>
					</td>
				</tr>
			))}
		</Table>
	);
}

const RESPONSES: Record<string, string> = {
	none: '—',
	reset_optimizer: 'optimizer reset',
	boost_learning_rate: 'learning rate boosted',
};

/** The drifts the Page-Hinkley test found in the prequential error. */
function Drifts(props: { drifts: ResultDrift[] }) {
	if (props.drifts.length === 0) return <p class="muted">No drift detected.</p>;
	return (
		<Table class="drifts" head={[['Records', 'num'], 'Detected', 'Error', ['Before', 'num'], ['After', 'num'], 'Response']}>
			{props.drifts.map((d) => (
				<tr key={d.records}>
					<td class="num">{d.records}</td>
					<td>{formatTime(d.created_at)}</td>
					<td>{d.measure}</td>
					<td class="num">{formatNumber(d.error_before)}</td>
					<td class="num">{formatNumber(d.error_after)}</td>
					<td>{RESPONSES[d.response] ?? d.response}</td>
				</tr>
			))}
		</Table>
	);
}

/** The prequential metrics of each window by the records learned, each drift marked where it was found. */
export function PrequentialCurves(props: { result: Result }) {
	const r = props.result;
	const windows = (r.epochs ?? []).filter((e) => typeof e.metrics.records === 'number');
	if (windows.length === 0)
		return <p class="muted">{RUNNING.has(r.status) ? 'The prequential curve appears with the first window.' : 'No window was reported.'}</p>;
	const x = windows.map((e) => e.metrics.records as number);
	const keys = [...new Set(windows.flatMap((e) => Object.keys(e.metrics).filter((k) => k.startsWith('prequential_'))))].sort((a, b) =>
		a === 'prequential_loss' ? 1 : b === 'prequential_loss' ? -1 : a.localeCompare(b),
	);
	const drifts = new Set((r.drifts ?? []).map((d) => d.records));
	return (
		<div class="charts">
			{keys.map((k, i) => {
				const values = windows.map((e) => (typeof e.metrics[k] === 'number' ? (e.metrics[k] as number) : null));
				const series: ChartSeries[] = [{ label: k, color: PALETTE[i % PALETTE.length], values }];
				if (drifts.size > 0) series.push({ label: 'drift', color: '#c92a2a', values: values.map((v, j) => (drifts.has(x[j]) ? v : null)), marks: true });
				return <LineChart key={k} title={`${k} by records`} x={x} series={series} xLabel="records" />;
			})}
		</div>
	);
}

function MetricsTable(props: { result: Result }) {
	const r = props.result;
	const rows: [string, Record<string, unknown>][] = [
		['Training', r.train_metrics],
		['Validation', r.val_metrics],
		['Test', r.test_metrics],
	];
	const keys = [...new Set(rows.flatMap(([, m]) => scalarMetrics(m).map(([k]) => k)))];
	if (keys.length === 0) return <p class="muted">Final metrics appear when training ends.</p>;
	return (
		<div class="table-scroll">
			<table class="list metrics">
				<thead>
					<tr>
						<th />
						{keys.map((k) => (
							<th key={k}>{k}</th>
						))}
					</tr>
				</thead>
				<tbody>
					{rows
						.filter(([, m]) => scalarMetrics(m).length > 0)
						.map(([name, m]) => (
							<tr key={name}>
								<th>{name}</th>
								{keys.map((k) => (
									<td key={k} class="num">
										{formatNumber(m[k])}
									</td>
								))}
							</tr>
						))}
				</tbody>
			</table>
		</div>
	);
}

export function LearningCurves(props: { result: Result }) {
	const r = props.result;
	const n = r.epochs?.length ? Math.max(...r.epochs.map((e) => (e.epoch >= 1 ? e.epoch : e.epoch + 1))) : 0;
	if (n === 0) return <p class="muted">{RUNNING.has(r.status) ? 'The learning curves appear here with the first epoch.' : 'No epoch was reported.'}</p>;
	const keys = curveKeys([r]);
	const bases = [...new Set(keys.map((k) => k.replace(/^val_/, '')))];
	const x = Array.from({ length: n }, (_, i) => i + 1);
	return (
		<div class="charts">
			{bases.map((b, i) => {
				const series = [];
				if (keys.includes(b)) series.push({ label: `train ${b}`, color: PALETTE[(2 * i) % PALETTE.length], values: epochSeries(r, b, n) });
				if (keys.includes(`val_${b}`))
					series.push({ label: `validation ${b}`, color: PALETTE[(2 * i + 1) % PALETTE.length], values: epochSeries(r, `val_${b}`, n), dashed: true });
				return <LineChart key={b} title={b} x={x} series={series} />;
			})}
		</div>
	);
}

function Confusion(props: { result: Result }) {
	const r = props.result;
	const confusion = findConfusion(r.test_metrics, r.val_metrics, r.train_metrics);
	if (!confusion) return null;
	return (
		<div class="card">
			<ConfusionMatrix matrix={confusion.matrix} labels={confusion.labels} title={`Confusion matrix (${confusion.from} data)`} />
		</div>
	);
}

const ENDED = new Set(['finished', 'failed', 'stopped']);

/**
 * The result with all its epochs, asking the server only for what `held`
 * lacks: the epochs after the last one held while it trains, none once it
 * has ended and all are held. Whenever the count does not add up (a
 * restarted job reports its epochs again), everything is fetched anew.
 */
async function resultWithEpochs(id: number, held: Result | undefined): Promise<Result> {
	const epochs = held?.id === id ? held.epochs : undefined;
	// Epochs may be numbered from 0: with none held, "after" has no start.
	if (!held || !epochs?.length) return api.result(id);
	if (ENDED.has(held.status) && epochs.length === held.epoch_count) {
		const now = await api.resultSince(id, 'none');
		if (now.status === held.status && now.epoch_count === epochs.length) return { ...now, epochs };
		return api.result(id);
	}
	const last = epochs[epochs.length - 1].epoch;
	const now = await api.resultSince(id, last);
	const merged = epochs.concat(now.epochs ?? []);
	if (now.epoch_count !== merged.length || ENDED.has(now.status)) return api.result(id);
	return { ...now, epochs: merged };
}

export function ResultPage(props: { id: number }) {
	const held = useRef<Result | undefined>(undefined);
	const deployment = useRef<Deployment | null | undefined>(undefined);
	const data = usePoll(async () => {
		const result = await resultWithEpochs(props.id, held.current);
		held.current = result;
		const model = await api.model(result.model).catch(() => null);
		// Only a continual training has versions; its mode never changes.
		if (deployment.current === undefined) deployment.current = await api.deployment(result.deployment).catch(() => null);
		const continual = isContinual(deployment.current?.mode);
		const versions = continual ? await api.resultVersions(props.id) : null;
		return { result, model, versions };
	}, [props.id]);
	const r = data.data?.result;
	return (
		<>
			<PageHeader
				title={`Result ${props.id}`}
				subtitle={
					r && (
						<>
							<Link href={`/deployments/${r.deployment}`}>← Deployment {r.deployment}</Link>
							<span class="muted"> · model {data.data?.model?.name ?? r.model}</span>
						</>
					)
				}
			/>
			<WhenLoaded load={data}>
				{({ result: r, versions }) => (
					<>
						<div class="card summary">
							<dl class="facts">
								<Fact label="Status">
									<StatusBadge status={r.status} />
								</Fact>
								<Fact label="Epochs">{r.epochs?.length ?? 0}</Fact>
								<Fact label="Training time">{r.training_time ? `${formatNumber(r.training_time, 4)} s` : '—'}</Fact>
								<Fact label="Trained model">{formatBytes(r.trained_model_size ?? undefined)}</Fact>
								<Fact label="Since">{formatTime(r.status_changed ?? r.created_at)}</Fact>
								<Fact label="Limits" class="resources">
									{resourcesText(deployment.current?.resources)}
								</Fact>
								{(r.restarts ?? 0) > 0 && <Fact label="Restarts">{r.restart_detail}</Fact>}
							</dl>
							{r.status_detail && <p class={r.status === 'failed' ? 'error-inline' : 'muted'}>{r.status_detail}</p>}
							<ResultActions result={r} onChange={data.reload} continual={versions !== null} />
						</div>
						<div class="card">
							<h2>Learning curves</h2>
							<LearningCurves result={r} />
						</div>
						{versions && (
							<div class="card prequential">
								<h2>Prequential curves</h2>
								<PrequentialCurves result={r} />
							</div>
						)}
						{versions && (
							<div class="card">
								<h2>Drifts</h2>
								<Drifts drifts={r.drifts ?? []} />
							</div>
						)}
						{versions && (
							<div class="card">
								<h2>Model versions</h2>
								<Versions result={r} versions={versions} metric={deployment.current?.monitoring_metric ?? 'loss'} />
							</div>
						)}
						<div class="card">
							<h2>Final metrics</h2>
							<MetricsTable result={r} />
						</div>
						{(r.exits?.length ?? 0) > 0 && (
							<div class="card">
								<h2>Early exits</h2>
								<ResultExits exits={r.exits ?? []} />
							</div>
						)}
						<Confusion result={r} />
					</>
				)}
			</WhenLoaded>
		</>
	);
}
