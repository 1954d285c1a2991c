// Token sign-in: the token is tried (GET whoami) before it is kept in
// localStorage and sent as `Authorization: Bearer` on every call. When a
// session ended because the server refused its token (expired, revoked),
// its message is shown here.
import { useState } from 'preact/hooks';
import { api, ApiError, setToken, takeSessionEnded } from '../api';
import { TextField } from '../components/form';
import { ErrorBox } from '../components/ui';

export function SignInPage() {
	const [value, setValue] = useState('');
	const [ended] = useState(takeSessionEnded);
	const [error, setError] = useState<ApiError | null>(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e: Event) => {
		e.preventDefault();
		const token = value.trim();
		if (!token) return;
		setBusy(true);
		setError(null);
		try {
			await api.whoami(token);
			setToken(token);
		} catch (err) {
			setError(err instanceof ApiError ? err : new ApiError(0, String(err), undefined));
		} finally {
			setBusy(false);
		}
	};
	return (
		<div class="sign-in">
			<form class="card sign-in-card" onSubmit={submit}>
				<div class="brand big">
					<span class="brand-mark" aria-hidden="true">
						K
					</span>
					Kafka-ML
				</div>
				<p>Machine-learning pipelines over Kafka data streams: define a model, train it on a stream, deploy it for inference.</p>
				{ended && !error && (
					<div class="error-box session-ended" role="alert">
						<div>
							<strong>You were signed out: {ended}</strong>
							<p>Sign in again with a valid token.</p>
						</div>
					</div>
				)}
				<ErrorBox error={error} />
				<TextField
					label="Token"
					hint={
						<>
							Yours, from an admin (Tokens page), or the admin token <code>kafkaml up</code> prints when it starts (also kept in the server's data directory).
						</>
					}
					name="token"
					type="password"
					autoComplete="current-password"
					value={value}
					onValue={setValue}
					placeholder="paste the token"
					required
				/>
				<button class="primary" type="submit" disabled={busy}>
					{busy ? 'Signing in…' : 'Sign in'}
				</button>
			</form>
		</div>
	);
}
