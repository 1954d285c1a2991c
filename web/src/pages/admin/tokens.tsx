// Tokens (admin): every token with its user, when it was created, when it
// expires, when it was last used and whether it was revoked; creating one
// for a user, optionally expiring after some days, whose secret is shown
// this once; revoking one (confirmed). Main thread only.
import { useState } from 'preact/hooks';
import { api, type NewToken, type Token } from '../../api';
import { Form, TextField } from '../../components/form';
import { ListPage, useRemoval } from '../../components/list_page';
import { Empty, Field, formatTime } from '../../components/ui';
import { useAction, usePoll } from '../../poll';

/** The secret of a token just created, with a copy button: the server never shows it again. */
function ShownOnce(props: { token: NewToken; onDone: () => void }) {
	const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
	const copy = async () => {
		try {
			await navigator.clipboard.writeText(props.token.token);
			setCopied('yes');
		} catch {
			setCopied('no');
		}
	};
	return (
		<div class="card new-token" role="status">
			<h2>
				Token “{props.token.name}” for {props.token.user.name} ({props.token.user.role})
			</h2>
			<p>
				<strong>Copy it now: it will not be shown again.</strong> If it is lost, revoke it and create another.
			</p>
			<div class="token-box">
				<code class="token-secret">{props.token.token}</code>
				<button type="button" class="small primary" onClick={copy}>
					Copy
				</button>
			</div>
			{copied === 'yes' && <span class="ok">Copied.</span>}
			{copied === 'no' && <span class="error-inline">The browser did not allow copying: select the token and copy it.</span>}
			<p>
				<button type="button" class="link-button" onClick={props.onDone}>
					Done, hide it
				</button>
			</p>
		</div>
	);
}

function NewTokenForm(props: { onCreated: (t: NewToken) => void }) {
	const users = usePoll(api.users, [], 0);
	const [user, setUser] = useState('');
	const [name, setName] = useState('');
	const [days, setDays] = useState('');
	const save = useAction();
	const chosen = user || String(users.data?.[0]?.id ?? '');
	const submit = async () => {
		const expires = days.trim() === '' ? null : Number(days);
		const made = await save.run(() => api.createToken({ user_id: Number(chosen), name: name.trim(), expires_in_days: expires }));
		if (!made) return;
		setName('');
		setDays('');
		props.onCreated(made);
	};
	return (
		<Form onSubmit={submit} save={save} needs="admin" submit="Create token" disabled={!chosen || !name.trim()}>
			<h2>Create a token</h2>
			<div class="form-grid">
				<Field label="User">
					<select name="token_user" value={chosen} onChange={(e) => setUser(e.currentTarget.value)}>
						{(users.data ?? []).map((u) => (
							<option key={u.id} value={u.id}>
								{u.name} ({u.role})
							</option>
						))}
					</select>
				</Field>
				<TextField label="Name" name="token_name" value={name} required onValue={setName} placeholder="e.g. laptop" />
				<TextField
					label="Expires after (days)"
					hint="Leave empty for a token that does not expire."
					name="expires_in_days"
					type="number"
					min="1"
					step="1"
					value={days}
					onValue={setDays}
				/>
			</div>
		</Form>
	);
}

function tokenState(t: Token): [string, string] {
	if (t.revoked_at) return ['revoked', `revoked ${formatTime(t.revoked_at)}`];
	if (t.expires_at && new Date(t.expires_at).getTime() <= Date.now()) return ['expired', 'expired'];
	return ['active', 'active'];
}

export function TokensPage() {
	const tokens = usePoll(api.tokens, [], 0);
	const [created, setCreated] = useState<NewToken | null>(null);
	const revocation = useRemoval(
		(t: Token) => `Revoke token "${t.name}" of ${t.user.name}? Whoever uses it is signed out at their next call.`,
		(t) => api.revokeToken(t.id),
		tokens.reload,
		'Revoke',
	);
	return (
		<>
			{created && <ShownOnce token={created} onDone={() => setCreated(null)} />}
			<ListPage
				title="Tokens"
				subtitle="Each call to the server carries one; it acts with its user's role. A revoked or expired token is refused."
				load={tokens}
				acting={revocation}
				rows={tokens.data}
				head={['#', 'Name', 'User', ['Created', 'hide-sm'], 'Expires', ['Last used', 'hide-sm'], 'State', ['Actions', 'actions-col']]}
				empty={<Empty title="No tokens" />}
			>
				{(rows) =>
					[...rows]
						.sort((a, b) => b.id - a.id)
						.map((t) => {
							const [state, text] = tokenState(t);
							return (
								<tr key={t.id} data-token={t.name}>
									<td class="num">{t.id}</td>
									<td>{t.name}</td>
									<td>
										{t.user.name} <span class="muted small">{t.user.role}</span>
									</td>
									<td class="hide-sm muted">{formatTime(t.created_at)}</td>
									<td class="muted token-expires">{t.expires_at ? formatTime(t.expires_at) : 'never'}</td>
									<td class="hide-sm muted">{t.last_used_at ? formatTime(t.last_used_at) : 'never'}</td>
									<td>
										<span class={`badge badge-${state === 'active' ? 'running' : 'stopped'}`}>{text}</span>
									</td>
									<td class="actions">{state !== 'revoked' && revocation.button(t)}</td>
								</tr>
							);
						})
				}
			</ListPage>
			<NewTokenForm
				onCreated={(t) => {
					setCreated(t);
					tokens.reload();
					window.scrollTo(0, 0);
				}}
			/>
		</>
	);
}
