// Configurations: groups of models that train together on one stream.
import { useState } from 'preact/hooks';
import { api, type Configuration } from '../api';
import { useCan } from '../auth';
import { Form, NameAndDescription } from '../components/form';
import { ListPage, useRemoval } from '../components/list_page';
import { Empty, ErrorBox, formatTime, Link, PageHeader } from '../components/ui';
import { useAction, usePoll } from '../poll';
import { navigate } from '../router';

export function ConfigurationsPage() {
	const can = useCan();
	const data = usePoll(() => Promise.all([api.configurations(), api.models()]), [], 0);
	const names = new Map((data.data?.[1] ?? []).map((m) => [m.id, m.name]));
	const removal = useRemoval(
		(c: Configuration) => `Delete configuration "${c.name}"?`,
		(c) => api.deleteConfiguration(c.id),
		data.reload,
	);
	return (
		<ListPage
			title="Configurations"
			subtitle="Models grouped to train in parallel on the same data stream."
			action={['/configurations/new', 'New configuration', 'create']}
			load={data}
			acting={removal}
			rows={data.data?.[0]}
			head={['#', 'Name', 'Models', ['Created', 'hide-sm'], ['Actions', 'actions-col']]}
			empty={
				<Empty title="No configurations yet" action={['/configurations/new', 'Create a configuration', 'create']}>
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
							{can('deploy') && (
								<Link href={`/deployments/new?configuration=${c.id}`} class="button small primary">
									Deploy
								</Link>
							)}
							{removal.button(c)}
						</td>
					</tr>
				))
			}
		</ListPage>
	);
}

export function NewConfigurationPage(props: { preselect: string | null }) {
	const models = usePoll(api.models, [], 0);
	const [name, setName] = useState('');
	const [description, setDescription] = useState('');
	const [chosen, setChosen] = useState<number[]>(props.preselect ? [Number(props.preselect)] : []);
	const save = useAction();
	const toggle = (id: number) => setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
	const submit = async () => {
		const c = await save.run(() => api.createConfiguration({ name, description, ml_models: chosen }));
		if (c) navigate('/configurations');
	};
	return (
		<>
			<PageHeader title="New configuration" subtitle={<Link href="/configurations">← All configurations</Link>} />
			<Form onSubmit={submit} save={save} submit="Create configuration" disabled={chosen.length === 0}>
				<NameAndDescription name={name} setName={setName} description={description} setDescription={setDescription} example="hcopd" />
				<fieldset class="field field-wide">
					<legend class="field-label">Models ({chosen.length} chosen)</legend>
					<ErrorBox error={models.error} />
					{models.data?.length === 0 && (
						<p class="muted">
							No models yet: <Link href="/models/new">write one first</Link>.
						</p>
					)}
					<div class="check-list">
						{models.data
							?.filter((m) => !m.father)
							.map((m) => (
								<label key={m.id} class={chosen.includes(m.id) ? 'check chosen' : 'check'}>
									<input type="checkbox" name="model" value={m.id} checked={chosen.includes(m.id)} onChange={() => toggle(m.id)} />
									<span>
										<strong>{m.name}</strong>
										{m.distributed && <span class="muted small"> (distributed: trains its whole chain)</span>}
										{m.description && <span class="muted small"> — {m.description}</span>}
									</span>
								</label>
							))}
					</div>
				</fieldset>
			</Form>
		</>
	);
}
