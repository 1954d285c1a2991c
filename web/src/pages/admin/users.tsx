// Users (admin): the list with each user's role, which can be changed in
// place; adding a user with a role; removing one (the server refuses, 409,
// to remove the last admin, and its message is shown). Main thread only.
import { useState } from 'preact/hooks';
import { api, type Role, type User } from '../../api';
import { useSession } from '../../auth';
import { Form, TextField } from '../../components/form';
import { ListPage, useRemoval } from '../../components/list_page';
import { Empty, Field, formatTime } from '../../components/ui';
import { useAction, usePoll } from '../../poll';

export const ROLES: Role[] = ['viewer', 'operator', 'admin'];

const ROLE_HINT =
	'viewer: reads; operator: also creates, deploys, sends, stops, scales, pins; admin: also deletes and manages users, tokens and the audit log.';

export function RoleSelect(props: { value: Role; onValue: (role: Role) => void; label?: string; disabled?: boolean; name?: string }) {
	return (
		<select
			name={props.name ?? 'role'}
			aria-label={props.label ?? 'Role'}
			value={props.value}
			disabled={props.disabled}
			onChange={(e) => props.onValue(e.currentTarget.value as Role)}
		>
			{ROLES.map((r) => (
				<option key={r} value={r}>
					{r}
				</option>
			))}
		</select>
	);
}

function NewUser(props: { onAdded: () => void }) {
	const [name, setName] = useState('');
	const [role, setRole] = useState<Role>('viewer');
	const [added, setAdded] = useState<string | null>(null);
	const save = useAction();
	const submit = async () => {
		setAdded(null);
		const user = await save.run(() => api.createUser({ name: name.trim(), role }));
		if (!user) return;
		setAdded(`${user.name} (${user.role})`);
		setName('');
		props.onAdded();
	};
	return (
		<Form
			onSubmit={submit}
			save={save}
			needs="admin"
			submit="Add user"
			disabled={!name.trim()}
			after={added && <span class="ok">Added {added}: give them a token on the Tokens page.</span>}
		>
			<h2>Add a user</h2>
			<div class="form-grid">
				<TextField label="Name" name="user_name" value={name} required onValue={setName} placeholder="e.g. alice" />
				<Field label="Role" hint={ROLE_HINT}>
					<RoleSelect name="user_role" value={role} onValue={setRole} />
				</Field>
			</div>
		</Form>
	);
}

export function UsersPage() {
	const users = usePoll(api.users, [], 0);
	const session = useSession();
	const change = useAction();
	const removal = useRemoval(
		(u: User) => `Remove user "${u.name}"? Their tokens stop working.`,
		(u) => api.deleteUser(u.id),
		users.reload,
	);
	const acting = change.error ? change : removal;
	return (
		<>
			<ListPage
				title="Users"
				subtitle="Who may use this server, and with which role. Each signs in with a token of theirs."
				load={users}
				acting={acting}
				rows={users.data}
				head={['#', 'Name', 'Role', ['Live tokens', 'num hide-sm'], ['Created', 'hide-sm'], ['Actions', 'actions-col']]}
				empty={<Empty title="No users" />}
			>
				{(rows) =>
					rows.map((u) => (
						<tr key={u.id} data-user={u.name}>
							<td class="num">{u.id}</td>
							<td>
								{u.name}
								{session?.user.id === u.id && <span class="badge small">you</span>}
							</td>
							<td>
								<RoleSelect
									label={`Role of ${u.name}`}
									value={u.role}
									disabled={change.busy}
									onValue={async (role) => {
										await change.run(() => api.setUserRole(u.id, role));
										users.reload();
									}}
								/>
							</td>
							<td class="num hide-sm">{u.tokens}</td>
							<td class="hide-sm muted">{formatTime(u.created_at)}</td>
							<td class="actions">{removal.button(u)}</td>
						</tr>
					))
				}
			</ListPage>
			<NewUser onAdded={users.reload} />
		</>
	);
}
