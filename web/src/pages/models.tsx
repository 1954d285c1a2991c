// Models: the list, and the editor page that creates or updates one. The
// server validates the code on save; a 400 carries the line and column,
// which the editor marks. A model is Keras code, or a PyTorch TorchScript
// file (torch.jit.save) with the arguments of its compile(). A Keras model
// may be a distributed sub-model, as in the original Kafka-ML, naming its
// upper model.
import { useEffect, useState } from 'preact/hooks';
import { api, errorPosition, type Model } from '../api';
import { useCan } from '../auth';
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

export const EXAMPLE_COMPILE = `optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy']
`;

export function ModelsPage() {
	const can = useCan();
	const models = usePoll(api.models, [], 0);
	const removal = useRemoval(
		(m: Model) => `Delete model "${m.name}"?`,
		(m) => api.deleteModel(m.id),
		models.reload,
	);
	return (
		<ListPage
			title="Models"
			subtitle="Keras-style model definitions, or PyTorch TorchScript files, validated as you save them."
			action={['/models/new', 'New model', 'create']}
			load={models}
			acting={removal}
			rows={models.data}
			head={['#', 'Name', ['Description', 'hide-sm'], ['Created', 'hide-sm'], ['Actions', 'actions-col']]}
			empty={
				<Empty title="No models yet" action={['/models/new', 'Write your first model', 'create']}>
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
							{m.framework === 'pytorch' && <span class="badge small">PyTorch</span>}
							{m.distributed && <span class="badge small">{m.father ? `sub-model of #${m.father}` : 'distributed top'}</span>}
						</td>
						<td class="hide-sm muted">{m.description}</td>
						<td class="hide-sm muted">{formatTime(m.created_at)}</td>
						<td class="actions">
							{can('create') && (
								<Link href={`/configurations/new?model=${m.id}`} class="button small">
									Configure
								</Link>
							)}
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
	const [framework, setFramework] = useState<'keras' | 'pytorch'>('keras');
	const [code, setCode] = useState(props.id === null ? EXAMPLE_MODEL : '');
	const [loadedCode, setLoadedCode] = useState(code);
	const [module, setModule] = useState<File | null>(null);
	const [moduleSize, setModuleSize] = useState<number | null>(null);
	const [weights, setWeights] = useState<File | null>(null);
	const [weightsSize, setWeightsSize] = useState<number | null>(null);
	const [distributed, setDistributed] = useState(false);
	const [father, setFather] = useState<number | null>(null);
	const others = usePoll(api.models, [], 0);
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
				setFramework(m.framework === 'pytorch' ? 'pytorch' : 'keras');
				setModuleSize(m.module_size ?? null);
				setWeightsSize(m.weights_size ?? null);
				setDistributed(m.distributed ?? false);
				setFather(m.father ?? null);
				setCode(m.code ?? '');
				setLoadedCode(m.code ?? '');
			});
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [props.id]);

	const submit = async () => {
		setSaved(false);
		setCodeError(null);
		const body = { name, description, imports, code, framework, distributed, father: distributed ? father : null };
		const m = await save.run(async () => {
			let stored = props.id === null ? await api.createModel(body) : await api.updateModel(props.id, body);
			if (framework === 'pytorch' && module) stored = await api.uploadModule(stored.id, module);
			if (framework === 'keras' && weights) stored = await api.uploadWeights(stored.id, weights);
			return stored;
		});
		if (!m) return;
		setModuleSize(m.module_size ?? null);
		setModule(null);
		setWeightsSize(m.weights_size ?? null);
		setWeights(null);
		setSaved(true);
		if (props.id === null) navigate(`/models/${m.id}`, true);
	};

	useEffect(() => {
		const e = save.error;
		if (!e || e.status !== 400) return;
		const pos = errorPosition(e.detail);
		if (pos) setCodeError(pos);
	}, [save.error]);

	const chooseFramework = (next: 'keras' | 'pytorch') => {
		setFramework(next);
		setSaved(false);
		setCodeError(null);
		// The example of the other kind, unless the user wrote something of their own.
		if (code === EXAMPLE_MODEL || code === EXAMPLE_COMPILE || code === '') {
			const example = next === 'pytorch' ? EXAMPLE_COMPILE : EXAMPLE_MODEL;
			setCode(example);
			setLoadedCode(example);
		}
	};

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
				<fieldset class="field field-wide framework">
					<legend class="field-label">Framework</legend>
					<label>
						<input type="radio" name="framework" checked={framework === 'keras'} onChange={() => chooseFramework('keras')} /> Keras code
					</label>
					<label>
						<input type="radio" name="framework" checked={framework === 'pytorch'} onChange={() => chooseFramework('pytorch')} /> PyTorch (TorchScript file)
					</label>
				</fieldset>
				{framework === 'keras' && (
					<fieldset class="field field-wide distributed">
						<legend class="field-label">Distributed</legend>
						<label>
							<input
								type="checkbox"
								name="distributed"
								checked={distributed}
								onChange={(e) => {
									setDistributed(e.currentTarget.checked);
									setSaved(false);
								}}
							/>{' '}
							A sub-model of a distributed model (edge, fog, cloud)
						</label>
						{distributed && (
							<label>
								Upper model{' '}
								<select
									name="father"
									aria-label="Upper model"
									value={father ?? ''}
									onChange={(e) => {
										setFather(e.currentTarget.value === '' ? null : Number(e.currentTarget.value));
										setSaved(false);
									}}
								>
									<option value="">none: the top of the chain</option>
									{others.data
										?.filter((o) => o.distributed && o.id !== props.id)
										.map((o) => (
											<option key={o.id} value={o.id}>
												#{o.id} {o.name}
											</option>
										))}
								</select>
							</label>
						)}
						<span class="field-hint">
							Every sub-model but the top one outputs what its upper model takes, then its exit. A configuration holds the top one and trains the whole chain,
							served as one stage per sub-model.
						</span>
					</fieldset>
				)}
				{framework === 'pytorch' && (
					<div class="field field-wide">
						<label class="field-label" for="module">
							TorchScript module
						</label>
						<input
							id="module"
							name="module"
							type="file"
							accept=".pt,.pth,.zip"
							onChange={(e) => {
								setModule(e.currentTarget.files?.[0] ?? null);
								setSaved(false);
							}}
						/>
						<span class="field-hint">
							The file <code>torch.jit.save(torch.jit.script(model), 'model.pt')</code> writes.
							{moduleSize !== null ? ` Uploaded: ${moduleSize} bytes; choose a file to replace it.` : ' Not uploaded yet.'}
						</span>
					</div>
				)}
				<div class="field field-wide">
					<span class="field-label">{framework === 'pytorch' ? 'compile() arguments' : 'Model code'}</span>
					<CodeEditor
						label={framework === 'pytorch' ? 'compile() arguments' : 'Model code'}
						initial={loadedCode}
						onChange={(v) => {
							setCode(v);
							setSaved(false);
						}}
						error={codeError}
						minLines={12}
					/>
					{framework === 'pytorch' ? (
						<span class="field-hint">
							The loss, optimizer and metrics to train the module with, as Keras' <code>model.compile()</code> takes them.
						</span>
					) : (
						<span class="field-hint">
							Keras code as you write it: <code>tf.keras.Sequential([...])</code> or the functional API, then{' '}
							<code>model.compile(optimizer, loss=..., metrics=[...])</code>. Keras JSON (<code>model.to_json()</code>) is accepted too.
						</span>
					)}
				</div>
				{codeError && (
					<p class="code-error" role="alert" data-line={codeError.line}>
						Marked in the editor: line {codeError.line}, column {codeError.column}.
					</p>
				)}
				{framework === 'keras' && (/applications/.test(code) || weightsSize !== null) && (
					<div class="field field-wide">
						<label class="field-label" for="weights">
							Weights file
						</label>
						<input
							id="weights"
							name="weights"
							type="file"
							accept=".h5,.hdf5"
							onChange={(e) => {
								setWeights(e.currentTarget.files?.[0] ?? null);
								setSaved(false);
							}}
						/>
						<span class="field-hint">
							For a <code>keras.applications</code> base built with <code>weights='imagenet'</code>: nothing is downloaded here, so upload the Keras weights
							file (e.g. <code>vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5</code>, or one <code>model.save_weights('x.h5')</code> wrote).
							{weightsSize !== null ? ` Uploaded: ${weightsSize} bytes; choose a file to replace it.` : ' Not uploaded yet.'}
						</span>
					</div>
				)}
			</Form>
		</>
	);
}
