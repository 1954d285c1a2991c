// Token sign-in: the admin token `kafkaml up` prints, kept in localStorage
// and sent as `Authorization: Bearer` on every call.
import { useState } from 'preact/hooks';
import { setToken } from '../api';
import { TextField } from '../components/form';

export function SignInPage() {
	const [value, setValue] = useState('');
	return (
		<div class="sign-in">
			<form
				class="card sign-in-card"
				onSubmit={(e) => {
					e.preventDefault();
					if (value.trim()) setToken(value.trim());
				}}
			>
				<div class="brand big">
					<span class="brand-mark" aria-hidden="true">
						K
					</span>
					Kafka-ML
				</div>
				<p>Machine-learning pipelines over Kafka data streams: define a model, train it on a stream, deploy it for inference.</p>
				<TextField
					label="Admin token"
					hint={
						<>
							<code>kafkaml up</code> prints it when it starts (it is also kept in the server's data directory).
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
				<button class="primary" type="submit">
					Sign in
				</button>
			</form>
		</div>
	);
}
