// Configurations: groups of models that train together on one stream.
import { useState } from 'preact/hooks';
import { api, type Configuration } from '../api';
import { Empty, ErrorBox, Field, formatTime, Link, Listing, PageHeader } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';

export function ConfigurationsPage() {
	const data = usePoll(() => Promise.all([api.configurations(), api.models()]), [], 0);
	const action = useAction();
	const names = new Map((data.data?.[1] ?? []).map((m) => [m.id, m.name]));
	const remove = async (c: Configuration) => {
		if (!confirm(`Delete configuration "${c.name}"?`)) return;
		await action.run(() => api.deleteConfiguration(c.id));
		data.reload();
	};
	return (
		<>
			<PageHeader
				title="Configurations"
				subtitle="Models grouped to train in parallel on the same data stream."
				action={['/configurations/new', 'New configuration']}
			/>
			<ErrorBox error={action.error ?? data.error} onClose={action.error ? action.clear : undefined} />
			<Listing
				rows={data.data?.[0]}
				loading={data.loading}
				head={['#', 'Name', 'Models', ['Created', 'hide-sm'], ['Actions', 'actions-col']]}
				empty={
					<Empty title="No configurations yet" action={['/configurations/new', 'Create a configuration']}>
						<p>A configuration names one or more models; deploying it starts one training job per model.</p>
					</Empty>
				}
			>
				{(rows) =>
					rows.map((c) => (
						<tr key={c.id}>
							<td class="num">{c.id}</td>
							<td>
								<strong>{c.name}</strong>
								{c.description && <div class="muted small">{c.description}</div>}
							</td>
							<td>
								<div class="chips">
									{c.ml_models.map((id) => (
										<Link key={id} href={`/models/${id}`} class="chip">
											{names.get(id) ?? `model ${id}`}
										</Link>
									))}
								</div>
							</td>
							<td class="hide-sm muted">{formatTime(c.created_at)}</td>
							<td class="actions">
								<Link href={`/deployments/new?configuration=${c.id}`} class="button small primary">
									Deploy
								</Link>
								<button class="small danger" disabled={action.busy} onClick={() => remove(c)}>
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

export function NewConfigurationPage(props: { preselect: string | null }) {
	const models = usePoll(api.models, [], 0);
	const [name, setName] = useState('');
	const [description, setDescription] = useState('');
	const [chosen, setChosen] = useState<number[]>(props.preselect ? [Number(props.preselect)] : []);
	const save = useAction();
	const toggle = (id: number) => setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
	const submit = async (e: Event) => {
		e.preventDefault();
		const c = await save.run(() => api.createConfiguration({ name, description, ml_models: chosen }));
		if (c) navigate('/configurations');
	};
	return (
		<>
			<PageHeader title="New configuration" subtitle={<Link href="/configurations">← All configurations</Link>} />
			<form class="card form" onSubmit={submit}>
				<div class="form-grid">
					<Field label="Name">
						<input name="name" value={name} required onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. hcopd" />
					</Field>
					<Field label="Description">
						<input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
					</Field>
				</div>
				<fieldset class="field field-wide">
					<legend class="field-label">Models ({chosen.length} chosen)</legend>
					<ErrorBox error={models.error} />
					{models.data?.length === 0 && (
						<p class="muted">
							No models yet: <Link href="/models/new">write one first</Link>.
						</p>
					)}
					<div class="check-list">
						{models.data?.map((m) => (
							<label key={m.id} class={chosen.includes(m.id) ? 'check chosen' : 'check'}>
								<input type="checkbox" name="model" value={m.id} checked={chosen.includes(m.id)} onChange={() => toggle(m.id)} />
								<span>
									<strong>{m.name}</strong>
									{m.description && <span class="muted small"> — {m.description}</span>}
								</span>
							</label>
						))}
					</div>
				</fieldset>
				<ErrorBox error={save.error} />
				<div class="form-actions">
					<button class="primary" type="submit" disabled={save.busy || chosen.length === 0}>
						Create configuration
					</button>
				</div>
			</form>
		</>
	);
}
