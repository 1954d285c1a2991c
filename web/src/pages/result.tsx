// One training result: status, final metrics, live learning curves (train
// solid, validation dashed), confusion matrix, and its actions.
import { useRef } from 'preact/hooks';
import { api, type Deployment, type Result, type ResultVersion } from '../api';
import { ConfusionMatrix, findConfusion } from '../components/confusion_matrix';
import { LineChart, PALETTE } from '../components/line_chart';
import { ErrorBox, Fact, formatBytes, formatNumber, formatTime, Link, PageHeader, scalarMetrics, StatusBadge, WhenLoaded } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';

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

export function ResultActions(props: { result: Result; onChange: () => void; compact?: boolean }) {
	const r = props.result;
	const action = useAction();
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
	return (
		<>
			{!props.compact && <ErrorBox error={action.error} onClose={action.clear} />}
			<div class="button-row">
				{hasModel && (
					<>
						<Link href={`/inferences/new?result=${r.id}`} class={`button primary ${cls}`}>
							{props.compact ? 'Inference' : 'Deploy for inference'}
						</Link>
						<a href={api.modelDownloadUrl(r.id)} class={`button ${cls}`} download title="This system's model file (kafkaml infer, the API)">
							Download
						</a>
						<a
							href={api.modelDownloadUrl(r.id, 'pytorch')}
							class={`button ${cls}`}
							download
							title="A .pt file: torch.load gives its weights by Keras name; a PyTorch model's is its TorchScript module for torch.jit.load"
						>
							For PyTorch
						</a>
					</>
				)}
				{RUNNING.has(r.status) && (
					<button class={cls} disabled={action.busy} onClick={stop}>
						Stop
					</button>
				)}
				{!RUNNING.has(r.status) && !props.compact && (
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

/** The model versions of a continual training, each downloadable in both formats. */
function Versions(props: { result: Result; versions: ResultVersion[]; metric: string }) {
	const { result, versions, metric } = props;
	if (versions.length === 0) return <p class="muted">The first version is cut after the first window.</p>;
	const key = `prequential_${metric}`;
	return (
		<div class="table-scroll">
			<table class="list versions">
				<thead>
					<tr>
						<th>Version</th>
						<th class="hide-sm">Cut</th>
						<th class="num">Records</th>
						<th class="num">{key}</th>
						<th />
					</tr>
				</thead>
				<tbody>
					{versions.map((v) => (
						<tr key={v.version}>
							<td>{v.version}</td>
							<td class="hide-sm">{formatTime(v.created_at)}</td>
							<td class="num">{v.records}</td>
							<td class="num">{formatNumber(v.metrics[key] ?? v.metrics[metric])}</td>
							<td class="actions">
								<a href={api.versionDownloadUrl(result.id, v.version)} download class="button small">
									Download
								</a>
								<a href={api.versionDownloadUrl(result.id, v.version, 'pytorch')} download class="button small">
									For PyTorch
								</a>
							</td>
						</tr>
					))}
				</tbody>
			</table>
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
		const continual = deployment.current?.mode === 'incremental' || deployment.current?.mode === 'indefinite';
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
								{(r.restarts ?? 0) > 0 && <Fact label="Restarts">{r.restart_detail}</Fact>}
							</dl>
							{r.status_detail && <p class={r.status === 'failed' ? 'error-inline' : 'muted'}>{r.status_detail}</p>}
							<ResultActions result={r} onChange={data.reload} />
						</div>
						<div class="card">
							<h2>Learning curves</h2>
							<LearningCurves result={r} />
						</div>
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
						<Confusion result={r} />
					</>
				)}
			</WhenLoaded>
		</>
	);
}
