// Models: the list, and the editor page that creates or updates one. The
// server validates the code on save; a 400 carries the line and column,
// which the editor marks.
import { useEffect, useState } from 'preact/hooks';
import { api, errorPosition, type Model } from '../api';
import { CodeEditor, type CodeError } from '../components/code_editor';
import { Form, NameAndDescription, TextField } from '../components/form';
import { ListPage, useRemoval } from '../components/list_page';
import { Empty, ErrorBox, formatTime, Link, PageHeader } from '../components/ui';
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
	const removal = useRemoval(
		(m: Model) => `Delete model "${m.name}"?`,
		(m) => api.deleteModel(m.id),
		models.reload,
	);
	return (
		<ListPage
			title="Models"
			subtitle="Keras-style model definitions, validated as you save them."
			action={['/models/new', 'New model']}
			load={models}
			acting={removal}
			rows={models.data}
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
							{removal.button(m)}
						</td>
					</tr>
				))
			}
		</ListPage>
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

	const submit = async () => {
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
			<Form
				onSubmit={submit}
				save={save}
				submit={save.busy ? 'Validating…' : props.id === null ? 'Create model' : 'Save changes'}
				after={
					saved && (
						<>
							<span class="ok">Saved: the code is valid.</span>
							{props.id !== null && (
								<Link href={`/configurations/new?model=${props.id}`} class="button">
									Use it in a configuration →
								</Link>
							)}
						</>
					)
				}
			>
				<NameAndDescription name={name} setName={setName} description={description} setDescription={setDescription} example="hcopd-dense" />
				<TextField
					label="Imports"
					hint="Optional, as in the original Kafka-ML (e.g. import tensorflow as tf); nothing is executed."
					wide
					name="imports"
					value={imports}
					onValue={setImports}
					class="mono"
				/>
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
			</Form>
		</>
	);
}
