// Models: the list, and the editor page that creates or updates one. The
// server validates the code on save; a 400 carries the line and column,
// which the editor marks.
import { useEffect, useState } from 'preact/hooks';
import { api, errorPosition, type Model } from '../api';
import { CodeEditor, type CodeError } from '../components/code_editor';
import { Empty, ErrorBox, Field, formatTime, Link, Listing, PageHeader } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';

export const EXAMPLE_MODEL = `model = tf.keras.Sequential([
    tf.keras.layers.Dropout(0.2, input_shape=(3,)),
    tf.keras.layers.Dense(4, activation='sigmoid'),
    tf.keras.layers.Dense(2, activation='softmax')
])
model.compile(keras.optimizers.Adam(lr=.0001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
`;

export function ModelsPage() {
	const models = usePoll(api.models, [], 0);
	const action = useAction();
	const remove = async (m: Model) => {
		if (!confirm(`Delete model "${m.name}"?`)) return;
		await action.run(() => api.deleteModel(m.id));
		models.reload();
	};
	return (
		<>
			<PageHeader title="Models" subtitle="Keras-style model definitions, validated as you save them." action={['/models/new', 'New model']} />
			<ErrorBox error={action.error ?? models.error} onClose={action.error ? action.clear : undefined} />
			<Listing
				rows={models.data}
				loading={models.loading}
				head={['#', 'Name', ['Description', 'hide-sm'], ['Created', 'hide-sm'], ['Actions', 'actions-col']]}
				empty={
					<Empty title="No models yet" action={['/models/new', 'Write your first model']}>
						<p>A model is a few lines of Keras code: layers, then a compile call with its optimizer, loss and metrics.</p>
					</Empty>
				}
			>
				{(rows) =>
					rows.map((m) => (
						<tr key={m.id}>
							<td class="num">{m.id}</td>
							<td>
								<Link href={`/models/${m.id}`}>{m.name}</Link>
							</td>
							<td class="hide-sm muted">{m.description}</td>
							<td class="hide-sm muted">{formatTime(m.created_at)}</td>
							<td class="actions">
								<Link href={`/configurations/new?model=${m.id}`} class="button small">
									Configure
								</Link>
								<button class="small danger" disabled={action.busy} onClick={() => remove(m)}>
									Delete
								</button>
							</td>
						</tr>
					))
				}
			</Listing>
		</>
	);
}

export function ModelEditPage(props: { id: number | null }) {
	const [name, setName] = useState('');
	const [description, setDescription] = useState('');
	const [imports, setImports] = useState('');
	const [code, setCode] = useState(props.id === null ? EXAMPLE_MODEL : '');
	const [loadedCode, setLoadedCode] = useState(code);
	const [codeError, setCodeError] = useState<CodeError | null>(null);
	const [saved, setSaved] = useState(false);
	const load = useAction();
	const save = useAction();

	useEffect(() => {
		if (props.id === null) return;
		void load
			.run(() => api.model(props.id!))
			.then((m) => {
				if (!m) return;
				setName(m.name);
				setDescription(m.description ?? '');
				setImports(m.imports ?? '');
				setCode(m.code ?? '');
				setLoadedCode(m.code ?? '');
			});
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [props.id]);

	const submit = async (e: Event) => {
		e.preventDefault();
		setSaved(false);
		setCodeError(null);
		const body = { name, description, imports, code };
		const m = await save.run(() => (props.id === null ? api.createModel(body) : api.updateModel(props.id, body)));
		if (!m) return;
		setSaved(true);
		if (props.id === null) navigate(`/models/${m.id}`, true);
	};

	useEffect(() => {
		const e = save.error;
		if (!e || e.status !== 400) return;
		const pos = errorPosition(e.detail);
		if (pos) setCodeError(pos);
	}, [save.error]);

	return (
		<>
			<PageHeader title={props.id === null ? 'New model' : `Model ${name || props.id}`} subtitle={<Link href="/models">← All models</Link>} />
			<ErrorBox error={load.error} />
			<form class="card form" onSubmit={submit}>
				<div class="form-grid">
					<Field label="Name">
						<input name="name" value={name} required onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. hcopd-dense" />
					</Field>
					<Field label="Description">
						<input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} placeholder="what it is for" />
					</Field>
				</div>
				<Field label="Imports" hint="Optional, as in the original Kafka-ML (e.g. import tensorflow as tf); nothing is executed." wide>
					<input name="imports" value={imports} onInput={(e) => setImports(e.currentTarget.value)} class="mono" />
				</Field>
				<div class="field field-wide">
					<span class="field-label">Model code</span>
					<CodeEditor
						label="Model code"
						initial={loadedCode}
						onChange={(v) => {
							setCode(v);
							setSaved(false);
						}}
						error={codeError}
						minLines={12}
					/>
					<span class="field-hint">
						A Keras subset: <code>tf.keras.Sequential([...])</code> with layers, then <code>model.compile(optimizer, loss=..., metrics=[...])</code>. Keras JSON
						(<code>model.to_json()</code>) is accepted too.
					</span>
				</div>
				{codeError && (
					<p class="code-error" role="alert" data-line={codeError.line}>
						Marked in the editor: line {codeError.line}, column {codeError.column}.
					</p>
				)}
				<ErrorBox error={save.error} />
				<div class="form-actions">
					<button class="primary" type="submit" disabled={save.busy}>
						{save.busy ? 'Validating…' : props.id === null ? 'Create model' : 'Save changes'}
					</button>
					{saved && <span class="ok">Saved: the code is valid.</span>}
					{props.id !== null && saved && (
						<Link href={`/configurations/new?model=${props.id}`} class="button">
							Use it in a configuration →
						</Link>
					)}
				</div>
			</form>
		</>
	);
}
