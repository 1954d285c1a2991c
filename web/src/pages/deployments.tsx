// Deployments: the training deploy form, the list with each model's status,
// and one deployment's page comparing its models on one chart. Pages with
// running jobs poll every 1.5 s.
import { useState } from 'preact/hooks';
import { api, ApiError, isContinual, type ContinualParameters, type Deployment, type DriftResponse, type Json, type Result, type TrainingMode } from '../api';
import { Form, TextField } from '../components/form';
import { resourcesText, resourcesValue, ResourcesFields } from '../components/resources';
import { LineChart, PALETTE } from '../components/line_chart';
import { ListPage } from '../components/list_page';
import { Empty, ErrorBox, Field, formatNumber, formatTime, Link, PageHeader, StatusBadge, Table, WhenLoaded } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';
import { ResultActions, curveKeys, epochSeries } from './result';

function kwargsText(v: Json): string {
	if (typeof v === 'string') return v;
	if (v && typeof v === 'object' && !Array.isArray(v)) {
		return Object.entries(v)
			.map(([k, x]) => `${k}=${typeof x === 'boolean' ? (x ? 'True' : 'False') : typeof x === 'string' ? `'${x}'` : JSON.stringify(x)}`)
			.join(', ');
	}
	return '';
}

export function DeploymentsPage() {
	const data = usePoll(() => Promise.all([api.deployments(), api.results(), api.configurations()]), []);
	const [deployments, results, configurations] = data.data ?? [[], [], []];
	const configName = new Map(configurations.map((c) => [c.id, c.name]));
	const byDeployment = new Map<number, Result[]>();
	for (const r of results) byDeployment.set(r.deployment, [...(byDeployment.get(r.deployment) ?? []), r]);
	return (
		<ListPage
			title="Deployments"
			subtitle="Training deployments and the status of each of their models."
			action={['/deployments/new', 'Deploy for training', 'deploy']}
			load={data}
			rows={data.data && deployments}
			head={['#', 'Configuration', ['Batch', 'hide-sm'], ['Fit parameters', 'hide-sm'], 'Models', ['Created', 'hide-sm']]}
			empty={
				<Empty title="Nothing deployed for training" action={['/deployments/new', 'Deploy for training', 'deploy']}>
					<p>Deploy a configuration: one training job per model starts and waits for its data stream.</p>
				</Empty>
			}
		>
			{(rows) =>
				[...rows].reverse().map((d) => (
					<tr key={d.id}>
						<td class="num">
							<Link href={`/deployments/${d.id}`}>{d.id}</Link>
						</td>
						<td>
							<Link href={`/deployments/${d.id}`}>{configName.get(d.configuration) ?? `configuration ${d.configuration}`}</Link>
						</td>
						<td class="hide-sm num">{d.batch}</td>
						<td class="hide-sm mono small">{kwargsText(d.kwargs_fit)}</td>
						<td>
							<div class="chips">
								{(byDeployment.get(d.id) ?? d.results ?? []).map((r) => (
									<Link key={r.id} href={`/results/${r.id}`} class="chip" title={`result ${r.id}`}>
										#{r.id} <StatusBadge status={r.status} />
									</Link>
								))}
							</div>
						</td>
						<td class="hide-sm muted">{formatTime(d.created_at)}</td>
					</tr>
				))
			}
		</ListPage>
	);
}

/** A share of the stream, 0 to 1. */
const RATE = { type: 'number', min: '0', max: '1', step: '0.01' } as const;

const MODE_HINTS: Record<TrainingMode, string> = {
	batch: 'Train once on the data you send.',
	incremental: 'Learn from the stream as it arrives, window by window, until it goes quiet.',
	indefinite: 'Learn from the stream as it arrives until you stop it.',
};

export function NewDeploymentPage(props: { configuration: string | null }) {
	const configurations = usePoll(api.configurations, [], 0);
	const [configuration, setConfiguration] = useState(props.configuration ?? '');
	const [batch, setBatch] = useState('10');
	const [kwargsFit, setKwargsFit] = useState('epochs=1000, steps_per_epoch=22, shuffle=True');
	const [kwargsVal, setKwargsVal] = useState('');
	const [validationRate, setValidationRate] = useState('0.1');
	const [testRate, setTestRate] = useState('0');
	const [mode, setMode] = useState<TrainingMode>('batch');
	const [streamTimeout, setStreamTimeout] = useState('60000');
	const [windowSize, setWindowSize] = useState('1000');
	const [monitoringMetric, setMonitoringMetric] = useState('loss');
	const [change, setChange] = useState<'' | 'up' | 'down'>('');
	const [improvement, setImprovement] = useState('0.05');
	const [versionEvery, setVersionEvery] = useState('');
	const [driftDetection, setDriftDetection] = useState(true);
	const [driftThreshold, setDriftThreshold] = useState('100');
	const [driftDelta, setDriftDelta] = useState('0.005');
	const [driftResponse, setDriftResponse] = useState<DriftResponse>('none');
	const [cpu, setCpu] = useState('');
	const [memory, setMemory] = useState('');
	const save = useAction();
	const resources = resourcesValue(cpu, memory);
	// The server's defaults are the original Kafka-ML's; only a continual
	// deployment sends its parameters.
	const continual: ContinualParameters & { mode?: TrainingMode } =
		mode === 'batch'
			? {}
			: {
					mode,
					stream_timeout: Number(streamTimeout),
					window_size: Number(windowSize),
					monitoring_metric: monitoringMetric,
					...(change ? { change } : {}),
					improvement: Number(improvement),
					version_every_records: versionEvery === '' ? null : Number(versionEvery),
					drift_detection: driftDetection,
					...(driftDetection ? { drift_threshold: Number(driftThreshold), drift_delta: Number(driftDelta), drift_response: driftResponse } : {}),
				};
	const chosen = configuration || (configurations.data?.length ? String(configurations.data[configurations.data.length - 1].id) : '');
	const submit = async () => {
		// A 503 still recorded the deployment (its jobs could not start); its
		// page shows the results' failure details, so go there too.
		const d = await save.run(() =>
			api
				.createDeployment({
					configuration: Number(chosen),
					batch: Number(batch),
					kwargs_fit: kwargsFit,
					kwargs_val: kwargsVal,
					...continual,
					...(resources ? { resources } : {}),
				})
				.catch((e) => {
					const detail = e instanceof ApiError && e.status === 503 ? e.detail : undefined;
					const recorded = detail && typeof detail === 'object' && !Array.isArray(detail) ? detail.id : undefined;
					if (typeof recorded === 'number') return { id: recorded } as Deployment;
					throw e;
				}),
		);
		if (d) navigate(`/deployments/${d.id}?validation_rate=${encodeURIComponent(validationRate)}&test_rate=${encodeURIComponent(testRate)}`);
	};
	return (
		<>
			<PageHeader title="Deploy for training" subtitle="One training job per model of the configuration starts and waits for its data." />
			<ErrorBox error={configurations.error} />
			{configurations.data?.length === 0 ? (
				<Empty title="No configuration to deploy">
					<p>
						<Link href="/configurations/new">Create a configuration</Link> from your models first.
					</p>
				</Empty>
			) : (
				<Form onSubmit={submit} save={save} submit="Deploy" disabled={!chosen}>
					<div class="form-grid">
						<Field label="Configuration">
							<select name="configuration" value={chosen} onChange={(e) => setConfiguration(e.currentTarget.value)} required>
								{configurations.data?.map((c) => (
									<option key={c.id} value={c.id}>
										{c.name} (#{c.id}, {c.ml_models.length} model{c.ml_models.length === 1 ? '' : 's'})
									</option>
								))}
							</select>
						</Field>
						<TextField label="Batch size" name="batch" type="number" min="1" step="1" value={batch} required onValue={setBatch} />
						<Field label="Training mode" hint={MODE_HINTS[mode]}>
							<select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as TrainingMode)}>
								<option value="batch">batch</option>
								<option value="incremental">incremental</option>
								<option value="indefinite">indefinite</option>
							</select>
						</Field>
					</div>
					{mode !== 'batch' && (
						<div class="form-grid">
							{mode === 'incremental' && (
								<TextField
									label="Stream timeout (ms)"
									hint="Training ends, with its result, once no record came for this long."
									name="stream_timeout"
									type="number"
									min="1"
									step="1"
									value={streamTimeout}
									onValue={setStreamTimeout}
								/>
							)}
							<TextField
								label="Window size (records)"
								hint="Each window is first scored, then trained on."
								name="window_size"
								type="number"
								min="1"
								step="1"
								value={windowSize}
								onValue={setWindowSize}
							/>
							<TextField
								label="Monitored metric"
								hint="A better value of it cuts a new model version."
								name="monitoring_metric"
								value={monitoringMetric}
								onValue={setMonitoringMetric}
							/>
							<Field label="Better when it goes" hint="By default from its name: down for a loss or an error, else up.">
								<select name="change" value={change} onChange={(e) => setChange(e.currentTarget.value as '' | 'up' | 'down')}>
									<option value="">as its name says</option>
									<option value="down">down</option>
									<option value="up">up</option>
								</select>
							</Field>
							<TextField
								label="Improvement"
								hint="Relative to the last version's value, e.g. 0.05 for 5%."
								name="improvement"
								type="number"
								min="0"
								step="any"
								value={improvement}
								onValue={setImprovement}
							/>
							<TextField
								label="A version every (records)"
								hint="Optional: also cut a version on this cadence."
								name="version_every_records"
								type="number"
								min="1"
								step="1"
								value={versionEvery}
								onValue={setVersionEvery}
							/>
							<Field label="Drift detection" hint="A Page-Hinkley test on the prequential error marks each drift on the result.">
								<select name="drift_detection" value={driftDetection ? 'on' : 'off'} onChange={(e) => setDriftDetection(e.currentTarget.value === 'on')}>
									<option value="on">on</option>
									<option value="off">off</option>
								</select>
							</Field>
							{driftDetection && (
								<>
									<TextField
										label="Drift threshold"
										hint="The test's lambda: evidence of a higher error, summed over records. Higher: fewer false alarms, later detection."
										name="drift_threshold"
										type="number"
										min="0"
										step="any"
										value={driftThreshold}
										onValue={setDriftThreshold}
									/>
									<TextField
										label="Drift delta"
										hint="The test's delta: the rise of the error per record that is tolerated."
										name="drift_delta"
										type="number"
										min="0"
										step="any"
										value={driftDelta}
										onValue={setDriftDelta}
									/>
									<Field label="After a drift" hint="A new learning phase, or only the mark on the result.">
										<select name="drift_response" value={driftResponse} onChange={(e) => setDriftResponse(e.currentTarget.value as DriftResponse)}>
											<option value="none">only mark it</option>
											<option value="reset_optimizer">reset the optimizer</option>
											<option value="boost_learning_rate">boost the learning rate</option>
										</select>
									</Field>
								</>
							)}
						</div>
					)}
					<TextField
						label="Training parameters (fit)"
						hint={
							<>
								Keras-style keyword arguments, e.g. <code>epochs=1000, steps_per_epoch=22, shuffle=True</code>.
							</>
						}
						wide
						name="kwargs_fit"
						class="mono"
						value={kwargsFit}
						onValue={setKwargsFit}
					/>
					<TextField
						label="Evaluation parameters (evaluate)"
						hint={
							<>
								Optional, e.g. <code>steps=5</code>.
							</>
						}
						wide
						name="kwargs_val"
						class="mono"
						value={kwargsVal}
						onValue={setKwargsVal}
					/>
					<div class="form-grid">
						<TextField
							label="Validation rate"
							hint="Share of the stream kept to validate each epoch; it goes with the data you send."
							{...RATE}
							name="validation_rate"
							value={validationRate}
							onValue={setValidationRate}
						/>
						<TextField
							label="Test rate"
							hint="Share of the stream kept for the final test."
							{...RATE}
							name="test_rate"
							value={testRate}
							onValue={setTestRate}
						/>
					</div>
					<ResourcesFields whose="training job's container" cpu={cpu} memory={memory} setCpu={setCpu} setMemory={setMemory} />
				</Form>
			)}
		</>
	);
}

function SendHint(props: { id: number }) {
	const q = new URLSearchParams(location.search);
	const vr = q.get('validation_rate') ?? '0.1';
	const tr = q.get('test_rate') ?? '0';
	return (
		<div class="card hint">
			<h2>Waiting for data</h2>
			<p>The jobs start training when a data stream for deployment {props.id} arrives. Send one from a terminal:</p>
			<pre class="mono">
				kafkaml send --deployment {props.id} --validation-rate {vr} --test-rate {tr} data.csv
			</pre>
			<p>
				Or reuse a stream already in Kafka from <Link href="/datasources">Datasources</Link> (only the small control message is sent again).
			</p>
		</div>
	);
}

export function DeploymentPage(props: { id: number }) {
	const data = usePoll(async () => {
		const [deployment, results, models, configurations] = await Promise.all([
			api.deployment(props.id),
			api.results(props.id),
			api.models(),
			api.configurations(),
		]);
		const list = results.length ? results : (deployment.results ?? []);
		const full = await Promise.all(list.map((r) => api.result(r.id)));
		return { deployment, results: full, models, configurations };
	}, [props.id]);
	const [metric, setMetric] = useState<string | null>(null);
	const d = data.data;
	const modelName = new Map((d?.models ?? []).map((m) => [m.id, m.name]));
	const keys = curveKeys(d?.results ?? []);
	const chosen = metric && keys.includes(metric) ? metric : (keys.find((k) => k === 'val_loss') ?? keys.find((k) => k === 'loss') ?? keys[0]);
	const maxEpochs = Math.max(0, ...(d?.results ?? []).map((r) => r.epochs?.length ?? 0));
	const waiting = d && d.results.every((r) => r.status === 'created' || r.status === 'deployed') && maxEpochs === 0;
	return (
		<>
			<PageHeader
				title={`Deployment ${props.id}`}
				subtitle={
					<>
						<Link href="/deployments">← All deployments</Link>
						{d && (
							<span class="muted">
								{' '}
								· {d.configurations.find((c) => c.id === d.deployment.configuration)?.name ?? `configuration ${d.deployment.configuration}`} · batch{' '}
								{d.deployment.batch} · <span class="mono">{kwargsText(d.deployment.kwargs_fit)}</span>
								{d.deployment.mode && d.deployment.mode !== 'batch' && (
									<>
										{' '}
										· <span class="mode">{d.deployment.mode}</span>, window {d.deployment.window_size}
									</>
								)}
								{d.deployment.resources && Object.keys(d.deployment.resources).length > 0 && (
									<span class="resources"> · limits {resourcesText(d.deployment.resources)}</span>
								)}
							</span>
						)}
					</>
				}
			/>
			<WhenLoaded load={data}>
				{(d) => (
					<>
						{waiting && <SendHint id={props.id} />}
						<div class="card">
							<h2>Results</h2>
							<Table
								head={[
									'Result',
									'Model',
									'Status',
									['Epochs', 'hide-sm'],
									'Loss',
									['Val. loss', 'hide-sm'],
									['Val. accuracy', 'hide-sm'],
									['Time', 'hide-sm'],
									['Actions', 'actions-col'],
								]}
							>
								{d.results.map((r) => {
									const last = r.epochs?.[r.epochs.length - 1]?.metrics ?? {};
									return (
										<tr key={r.id}>
											<td class="num">
												<Link href={`/results/${r.id}`}>#{r.id}</Link>
											</td>
											<td class="name">{modelName.get(r.model) ?? `model ${r.model}`}</td>
											<td>
												<StatusBadge status={r.status} />
											</td>
											<td class="num hide-sm">{r.epochs?.length ?? 0}</td>
											<td class="num">{formatNumber(r.train_metrics.loss ?? last.loss)}</td>
											<td class="num hide-sm">{formatNumber(r.val_metrics.loss ?? last.val_loss)}</td>
											<td class="num hide-sm">{formatNumber(r.val_metrics.accuracy ?? last.val_accuracy)}</td>
											<td class="num hide-sm nowrap">{r.training_time ? `${formatNumber(r.training_time, 3)} s` : '—'}</td>
											<td class="actions">
												<ResultActions result={r} onChange={data.reload} compact continual={isContinual(d.deployment.mode)} />
											</td>
										</tr>
									);
								})}
							</Table>
						</div>
						{d.results.length > 0 && (
							<div class="card">
								<div class="card-head">
									<h2>Models compared</h2>
									{keys.length > 0 && (
										<label class="inline-field">
											Metric{' '}
											<select value={chosen} onChange={(e) => setMetric(e.currentTarget.value)}>
												{keys.map((k) => (
													<option key={k}>{k}</option>
												))}
											</select>
										</label>
									)}
								</div>
								{maxEpochs === 0 || !chosen ? (
									<p class="muted">The curves appear here with the first epoch.</p>
								) : (
									<LineChart
										title={`${chosen} per epoch`}
										x={Array.from({ length: maxEpochs }, (_, i) => i + 1)}
										series={d.results.map((r, i) => ({
											label: `#${r.id} ${modelName.get(r.model) ?? ''}`.trim(),
											color: PALETTE[i % PALETTE.length],
											values: epochSeries(r, chosen, maxEpochs),
										}))}
									/>
								)}
							</div>
						)}
					</>
				)}
			</WhenLoaded>
		</>
	);
}
