// Inferences: deploy a trained model with N replicas, watch throughput and
// lag, scale, stop, and see its predictions live (server-sent events from
// GET /api/v1/inferences/{id}/predictions/stream).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, inferenceLag, inferencesWithFigures, inferenceWithFigures, inferenceThroughput, type Inference, type Json, type ServerRemarks } from '../api';
import { Empty, ErrorBox, Fact, Field, formatNumber, formatTime, Link, Loading, PageHeader, StatusBadge } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';
import { ListPage } from '../components/list_page';

const LIVE = new Set(['deployed', 'running']);

// What the server said when an inference was created or scaled, shown on its
// page until the app is reloaded (the server does not store them).
const remarks = new Map<number, ServerRemarks>();

function Remarks(props: { id: number }) {
	const said = remarks.get(props.id);
	if (!said) return null;
	return (
		<>
			{(said.notes ?? []).map((text) => (
				<p key={text} class="muted remark">
					{text}
				</p>
			))}
			{(said.warnings ?? []).map((text) => (
				<p key={text} class="error-inline remark">
					{text}
				</p>
			))}
		</>
	);
}

function Scale(props: { inference: Inference; onChange: () => void }) {
	const [replicas, setReplicas] = useState(String(props.inference.replicas));
	const action = useAction();
	const apply = async (e: Event) => {
		e.preventDefault();
		const scaled = await action.run(() => api.scaleInference(props.inference.id, Number(replicas)));
		if (scaled) remarks.set(scaled.id, { warnings: scaled.warnings });
		props.onChange();
	};
	return (
		<form class="scale" onSubmit={apply}>
			<input aria-label="Replicas" type="number" min="1" step="1" value={replicas} onInput={(e) => setReplicas(e.currentTarget.value)} />
			<button class="small" type="submit" disabled={action.busy || Number(replicas) === props.inference.replicas}>
				Scale
			</button>
			{action.error && <span class="error-inline">{action.error.message}</span>}
		</form>
	);
}

export function InferenceActions(props: { inference: Inference; onChange: () => void }) {
	const i = props.inference;
	const action = useAction();
	const stop = async () => {
		await action.run(() => api.stopInference(i.id));
		props.onChange();
	};
	const remove = async () => {
		if (!confirm(`Delete inference ${i.id}?`)) return;
		await action.run(() => api.deleteInference(i.id));
		props.onChange();
	};
	return (
		<>
			<div class="button-row">
				<Link href={`/inferences/${i.id}`} class="button small">
					Predictions
				</Link>
				{LIVE.has(i.status) ? (
					<button class="small" disabled={action.busy} onClick={stop}>
						Stop
					</button>
				) : (
					<button class="small danger" disabled={action.busy} onClick={remove}>
						Delete
					</button>
				)}
			</div>
			{action.error && <div class="error-inline">{action.error.message}</div>}
		</>
	);
}

export function InferencesPage() {
	const data = usePoll(inferencesWithFigures, []);
	return (
		<ListPage
			title="Inferences"
			subtitle="Trained models serving predictions from an input topic to an output topic."
			action={['/inferences/new', 'Deploy for inference']}
			load={data}
			rows={data.data}
			head={['#', 'Result', 'Status', ['Topics', 'hide-sm'], 'Throughput', ['Lag', 'hide-sm'], ['Replicas', 'hide-sm'], ['Actions', 'actions-col']]}
			empty={
				<Empty title="No inference running" action={['/inferences/new', 'Deploy for inference']}>
					<p>
						Once a training result is <em>finished</em>, deploy it from its result page, or pick it here. Values sent to the input topic come back as
						predictions on the output topic.
					</p>
				</Empty>
			}
		>
			{(rows) =>
				[...rows].reverse().map((i) => (
					<tr key={i.id}>
						<td class="num">
							<Link href={`/inferences/${i.id}`}>{i.id}</Link>
						</td>
						<td>
							<Link href={`/results/${i.model_result}`}>#{i.model_result}</Link>
						</td>
						<td>
							<StatusBadge status={i.status} />
						</td>
						<td class="mono small hide-sm">
							{i.input_topic} → {i.output_topic}
						</td>
						<td class="num">{inferenceThroughput(i) === undefined ? '—' : `${formatNumber(inferenceThroughput(i), 3)}/s`}</td>
						<td class="num hide-sm">{formatNumber(inferenceLag(i))}</td>
						<td class="hide-sm">{LIVE.has(i.status) ? <Scale inference={i} onChange={data.reload} /> : i.replicas}</td>
						<td class="actions">
							<InferenceActions inference={i} onChange={data.reload} />
						</td>
					</tr>
				))
			}
		</ListPage>
	);
}

export function NewInferencePage(props: { result: string | null }) {
	const candidates = usePoll(async () => (await api.results()).filter((r) => r.status === 'finished'), [], 0);
	const [result, setResult] = useState(props.result ?? '');
	const [replicas, setReplicas] = useState('1');
	const [format, setFormat] = useState('AVRO');
	const [config, setConfig] = useState('{}');
	const [inputTopic, setInputTopic] = useState('');
	const [outputTopic, setOutputTopic] = useState('');
	const [prefilled, setPrefilled] = useState<string | null>(null);
	const [configError, setConfigError] = useState<string | null>(null);
	const save = useAction();
	const chosen = result || (candidates.data?.length ? String(candidates.data[candidates.data.length - 1].id) : '');

	// Pre-fill the format and its configuration from the stream the model trained on.
	useEffect(() => {
		if (!chosen) return;
		let alive = true;
		setInputTopic((t) => t || `inference-${chosen}-in`);
		setOutputTopic((t) => t || `inference-${chosen}-out`);
		void (async () => {
			try {
				const r = await api.result(Number(chosen));
				const sources = (await api.datasources()).filter((d) => d.deployment === r.deployment);
				const source = sources[sources.length - 1];
				if (!alive || !source) return;
				setFormat(source.input_format || 'RAW');
				setConfig(JSON.stringify(source.input_config ?? {}, null, 2));
				setPrefilled(source.topic);
			} catch {
				// Nothing to pre-fill from: the form keeps what the user typed.
			}
		})();
		return () => {
			alive = false;
		};
	}, [chosen]);

	const submit = async (e: Event) => {
		e.preventDefault();
		let input_config: Json;
		try {
			input_config = JSON.parse(config || '{}') as Json;
			setConfigError(null);
		} catch (err) {
			setConfigError(`The input configuration is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
			return;
		}
		const i = await save.run(() =>
			api.createInference({
				model_result: Number(chosen),
				replicas: Number(replicas),
				input_format: format,
				input_config,
				input_topic: inputTopic,
				output_topic: outputTopic,
			}),
		);
		if (i) {
			remarks.set(i.id, { notes: i.notes, warnings: i.warnings });
			navigate(`/inferences/${i.id}`);
		}
	};

	return (
		<>
			<PageHeader title="Deploy for inference" subtitle={<Link href="/inferences">← All inferences</Link>} />
			<ErrorBox error={candidates.error} />
			{candidates.data?.length === 0 ? (
				<Empty title="No trained model yet">
					<p>
						A result must be <em>finished</em> before it can serve predictions. Follow your training on <Link href="/deployments">Deployments</Link>.
					</p>
				</Empty>
			) : (
				<form class="card form" onSubmit={submit}>
					<div class="form-grid">
						<Field label="Trained model (result)">
							<select name="model_result" value={chosen} onChange={(e) => setResult(e.currentTarget.value)} required>
								{candidates.data?.map((r) => (
									<option key={r.id} value={r.id}>
										result #{r.id} (deployment {r.deployment}, model {r.model})
									</option>
								))}
							</select>
						</Field>
						<Field label="Replicas" hint="Members of the inference's consumer group.">
							<input name="replicas" type="number" min="1" step="1" value={replicas} onInput={(e) => setReplicas(e.currentTarget.value)} required />
						</Field>
						<Field label="Input topic">
							<input name="input_topic" class="mono" value={inputTopic} onInput={(e) => setInputTopic(e.currentTarget.value)} required />
						</Field>
						<Field label="Output topic">
							<input name="output_topic" class="mono" value={outputTopic} onInput={(e) => setOutputTopic(e.currentTarget.value)} required />
						</Field>
						<Field label="Input format">
							<select name="input_format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
								<option>RAW</option>
								<option>AVRO</option>
								<option>JSON</option>
							</select>
						</Field>
					</div>
					<Field
						label="Input configuration (JSON)"
						hint={
							prefilled ? (
								<>
									Pre-filled from the training stream <code>{prefilled}</code>.
								</>
							) : (
								"RAW: data_type, data_reshape. AVRO: data_scheme. JSON: fields (names, in the model's input order; else every field)."
							)
						}
						wide
					>
						<textarea name="input_config" class="mono" rows={6} value={config} onInput={(e) => setConfig(e.currentTarget.value)} />
					</Field>
					{configError && <p class="error-inline">{configError}</p>}
					<ErrorBox error={save.error} />
					<div class="form-actions">
						<button class="primary" type="submit" disabled={save.busy || !chosen}>
							Deploy
						</button>
					</div>
				</form>
			)}
		</>
	);
}

interface Prediction {
	at: number;
	text: string;
	values: string;
}

/** Live predictions over SSE; keeps the newest 200 and counts the rate. */
function LivePredictions(props: { id: number }) {
	const [rows, setRows] = useState<Prediction[]>([]);
	const [state, setState] = useState<'connecting' | 'open' | 'unavailable'>('connecting');
	const [total, setTotal] = useState(0);
	const times = useRef<number[]>([]);
	const [, setTick] = useState(0);

	useEffect(() => {
		const url = api.predictionsUrl(props.id);
		let source: EventSource | null = null;
		let alive = true;
		let buffer: Prediction[] = [];
		let count = 0;
		const flush = window.setInterval(() => {
			if (buffer.length) {
				const add = buffer;
				buffer = [];
				setRows((r) => [...add.reverse(), ...r].slice(0, 200));
				setTotal(count);
			}
			setTick((t) => t + 1);
		}, 250);
		void (async () => {
			// EventSource hides the status of a refused stream; ask first.
			const ctl = new AbortController();
			const probe = await fetch(url, { signal: ctl.signal, headers: { Accept: 'text/event-stream' } }).catch(() => null);
			ctl.abort();
			if (!alive) return;
			if (probe && probe.status === 404) {
				setState('unavailable');
				return;
			}
			source = new EventSource(url);
			source.onopen = () => setState('open');
			source.onmessage = (ev) => {
				count++;
				const now = Date.now();
				times.current.push(now);
				let values = '';
				try {
					const v = JSON.parse(ev.data as string) as { values?: unknown; value?: { values?: unknown } };
					const inner = v.values ?? v.value?.values;
					values = inner === undefined ? '' : JSON.stringify(inner);
				} catch {
					values = '';
				}
				buffer.push({ at: now, text: ev.data as string, values });
			};
			source.onerror = () => setState((s) => (s === 'unavailable' ? s : 'connecting'));
		})();
		return () => {
			alive = false;
			clearInterval(flush);
			source?.close();
		};
	}, [props.id]);

	const now = Date.now();
	times.current = times.current.filter((t) => now - t < 5000);
	const rate = times.current.length / 5;
	return (
		<div class="card">
			<div class="card-head">
				<h2>Live predictions</h2>
				<span class={`live-dot ${state}`}>
					{state === 'open' ? `live · ${formatNumber(rate, 3)}/s · ${total} received` : state === 'connecting' ? 'connecting…' : 'not available'}
				</span>
			</div>
			{state === 'unavailable' ? (
				<p class="muted">This server does not stream predictions yet; read the output topic with any Kafka client.</p>
			) : rows.length === 0 ? (
				<p class="muted">
					Waiting for predictions: send values to the input topic (e.g. with <code>kafkaml send</code>).
				</p>
			) : (
				<div class="table-scroll predictions">
					<table class="list">
						<thead>
							<tr>
								<th>Time</th>
								<th>Values</th>
								<th class="hide-sm">Message</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((p, k) => (
								<tr key={rows.length - k}>
									<td class="muted nowrap">{new Date(p.at).toLocaleTimeString()}</td>
									<td class="mono">{p.values || '—'}</td>
									<td class="mono small hide-sm">{p.text.length > 160 ? `${p.text.slice(0, 160)}…` : p.text}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
		</div>
	);
}

export function InferencePage(props: { id: number }) {
	const data = usePoll(() => inferenceWithFigures(props.id), [props.id]);
	const i = data.data;
	return (
		<>
			<PageHeader title={`Inference ${props.id}`} subtitle={<Link href="/inferences">← All inferences</Link>} />
			<ErrorBox error={data.error} />
			{!i ? (
				data.loading && <Loading />
			) : (
				<>
					<div class="card summary">
						<dl class="facts">
							<Fact label="Status">
								<StatusBadge status={i.status} />
							</Fact>
							<Fact label="Result">
								<Link href={`/results/${i.model_result}`}>#{i.model_result}</Link>
							</Fact>
							<Fact label="Replicas">{LIVE.has(i.status) ? <Scale inference={i} onChange={data.reload} /> : i.replicas}</Fact>
							<Fact label="Throughput">{inferenceThroughput(i) === undefined ? '—' : `${formatNumber(inferenceThroughput(i), 3)}/s`}</Fact>
							<Fact label="Lag">{formatNumber(inferenceLag(i))}</Fact>
							<Fact label="Input" class="mono">
								{i.input_topic} ({i.input_format})
							</Fact>
							<Fact label="Output" class="mono">
								{i.output_topic}
							</Fact>
							{i.dead_letter_topic && (
								<Fact label="Dead letters" class="mono">
									{i.dead_letter_topic}
								</Fact>
							)}
							<Fact label="Since">{formatTime(i.status_changed ?? i.created_at)}</Fact>
							{(i.restarts ?? 0) > 0 && <Fact label="Restarts">{i.restart_detail}</Fact>}
						</dl>
						{i.status_detail && <p class={i.status === 'failed' ? 'error-inline' : 'muted'}>{i.status_detail}</p>}
						<Remarks id={i.id} />
						<InferenceActions inference={i} onChange={data.reload} />
					</div>
					<LivePredictions id={props.id} />
				</>
			)}
		</>
	);
}
