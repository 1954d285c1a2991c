// Deploy a trained model for inference, its input format pre-filled from
// the stream it trained on. A continual training's result may be picked
// while it trains: its inference follows its newest version, or pins one.
// Its input and output may be on two Kafka clusters (an edge cluster
// feeding a cloud one): the server's configured clusters are offered, and a
// bootstrap list may be typed instead.
import { useEffect, useState } from 'preact/hooks';
import { api, isContinual, type Json, type Result, type TrainingMode } from '../../api';
import { ResourcesFields, resourcesValue } from '../../components/resources';
import { Empty, ErrorBox, Field, Link, PageHeader } from '../../components/ui';
import { useAction, usePoll } from '../../poll';
import { navigate } from '../../router';
import { ClusterField } from './cluster_field';
import { ExitStagesFields, exitsValue, resizeStages, type StageRow } from './exit_stages_fields';
import { remarks } from './remarks';

const LEARNING = new Set(['created', 'deployed', 'running', 'finished']);

/**
 * Whether a result can serve: a batch one once finished, or stopped with its
 * model; a continual one while it learns too (its replicas wait for its
 * first version), or ended with a model.
 */
function servable(r: Result, mode: TrainingMode | undefined): boolean {
	const kept = (r.trained_model_size ?? -1) > 0;
	if (isContinual(mode)) return LEARNING.has(r.status) || ((r.status === 'stopped' || r.status === 'failed') && kept);
	return r.status === 'finished' || (r.status === 'stopped' && kept);
}

export function NewInferencePage(props: { result: string | null }) {
	const candidates = usePoll(
		async () => {
			const [results, deployments] = await Promise.all([api.results(), api.deployments()]);
			const modes = new Map(deployments.map((d) => [d.id, d.mode]));
			return results.filter((r) => servable(r, modes.get(r.deployment))).map((r) => ({ ...r, mode: modes.get(r.deployment) }));
		},
		[],
		0,
	);
	const [result, setResult] = useState(props.result ?? '');
	const [replicas, setReplicas] = useState('1');
	const [format, setFormat] = useState('AVRO');
	const [config, setConfig] = useState('{}');
	const [inputTopic, setInputTopic] = useState('');
	const [outputTopic, setOutputTopic] = useState('');
	const [prefilled, setPrefilled] = useState<string | null>(null);
	const [version, setVersion] = useState('latest');
	const [configError, setConfigError] = useState<string | null>(null);
	const [inputBroker, setInputBroker] = useState('');
	const [outputBroker, setOutputBroker] = useState('');
	const [cpu, setCpu] = useState('');
	const [memory, setMemory] = useState('');
	const [stages, setStages] = useState<StageRow[]>([]);
	const clusters = usePoll(() => api.clusters(), [], 0);
	const save = useAction();
	const chosen = result || (candidates.data?.length ? String(candidates.data[candidates.data.length - 1].id) : '');
	const chosenResult = candidates.data?.find((r) => String(r.id) === chosen);
	const continual = isContinual(chosenResult?.mode);
	// A trained early-exit model's exit table says how many stages it may serve.
	const knownExits = chosenResult?.exits && chosenResult.exits.length > 1 ? chosenResult.exits.length : null;
	// A training result cuts versions as it learns: the list keeps up.
	const versions = usePoll(async () => (continual ? api.resultVersions(Number(chosen)) : []), [chosen, continual]);

	// Pre-fill the format and its configuration from the stream the model trained on.
	useEffect(() => setStages(knownExits ? resizeStages([], knownExits) : []), [chosen, knownExits]);

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
		const resources = resourcesValue(cpu, memory);
		const exits = exitsValue(stages);
		const i = await save.run(() =>
			api.createInference({
				model_result: Number(chosen),
				replicas: Number(replicas),
				input_format: format,
				input_config,
				input_topic: inputTopic,
				output_topic: outputTopic,
				input_kafka_broker: inputBroker.trim() || 'default',
				output_kafka_broker: outputBroker.trim() || 'default',
				...(continual ? { model_version: version === 'latest' ? ('latest' as const) : Number(version) } : {}),
				...(resources ? { resources } : {}),
				...(exits ? { exits } : {}),
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
						A batch training's result serves once <em>finished</em>; an incremental or indefinite one from its first model version on. Follow your training on{' '}
						<Link href="/deployments">Deployments</Link>.
					</p>
				</Empty>
			) : (
				<form class="card form" onSubmit={submit}>
					<div class="form-grid">
						<Field label="Trained model (result)">
							<select
								name="model_result"
								value={chosen}
								onChange={(e) => {
									setResult(e.currentTarget.value);
									setVersion('latest');
								}}
								required
							>
								{candidates.data?.map((r) => (
									<option key={r.id} value={r.id}>
										result #{r.id} (deployment {r.deployment}, model {r.model}
										{isContinual(r.mode) ? `, ${r.mode}, ${r.status}` : ''})
									</option>
								))}
							</select>
						</Field>
						{continual && (
							<Field label="Model version" hint="The latest follows each new version as the training cuts it; a version stays until changed.">
								<select name="model_version" value={version} onChange={(e) => setVersion(e.currentTarget.value)}>
									<option value="latest">latest{versions.data?.length ? '' : ' (waits for the first version)'}</option>
									{[...(versions.data ?? [])].reverse().map((v) => (
										<option key={v.version} value={String(v.version)}>
											version {v.version} ({v.records} records)
										</option>
									))}
								</select>
							</Field>
						)}
						{stages.length < 2 && (
							<Field label="Replicas" hint="Members of the inference's consumer group.">
								<input name="replicas" type="number" min="1" step="1" value={replicas} onInput={(e) => setReplicas(e.currentTarget.value)} required />
							</Field>
						)}
						<Field label="Input topic">
							<input name="input_topic" class="mono" value={inputTopic} onInput={(e) => setInputTopic(e.currentTarget.value)} required />
						</Field>
						<Field label="Output topic">
							<input name="output_topic" class="mono" value={outputTopic} onInput={(e) => setOutputTopic(e.currentTarget.value)} required />
						</Field>
						<ClusterField
							label="Input Kafka cluster"
							name="input_kafka_broker"
							value={inputBroker}
							onInput={setInputBroker}
							clusters={clusters.data ?? []}
							hint="Where the input topic is: a cluster the server configures (empty: default, its own), or a bootstrap list host:port[,host:port] reached with the default cluster's settings."
						/>
						<ClusterField
							label="Output Kafka cluster"
							name="output_kafka_broker"
							value={outputBroker}
							onInput={setOutputBroker}
							clusters={clusters.data ?? []}
							hint="Where the predictions and dead letters go, as the input's."
						/>
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
					<ExitStagesFields rows={stages} setRows={setStages} known={knownExits} clusters={clusters.data ?? []} />
					<ResourcesFields whose="replica's container" cpu={cpu} memory={memory} setCpu={setCpu} setMemory={setMemory} />
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
