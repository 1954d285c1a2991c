// Deploy a trained model for inference, its input format pre-filled from
// the stream it trained on.
import { useEffect, useState } from 'preact/hooks';
import { api, type Json } from '../../api';
import { Empty, ErrorBox, Field, Link, PageHeader } from '../../components/ui';
import { useAction, usePoll } from '../../poll';
import { navigate } from '../../router';
import { remarks } from './remarks';

export function NewInferencePage(props: { result: string | null }) {
	const candidates = usePoll(
		async () => (await api.results()).filter((r) => r.status === 'finished' || (r.status === 'stopped' && (r.trained_model_size ?? -1) > 0)),
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
