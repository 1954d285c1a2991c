// Links and buttons of one inference: its predictions, and stop or delete
// (each for a role that may).
import { api, type Inference } from '../../api';
import { useCan } from '../../auth';
import { Link } from '../../components/ui';
import { useAction } from '../../poll';
import { LIVE } from './live';

export function InferenceActions(props: { inference: Inference; onChange: () => void }) {
	const i = props.inference;
	const action = useAction();
	const can = useCan();
	const stop = async () => {
		await action.run(() => api.stopInference(i.id));
		props.onChange();
	};
	const remove = async () => {
		if (!confirm(`Delete inference ${i.id}?`)) return;
		await action.run(() => api.deleteInference(i.id));
		props.onChange();
	};
	return (
		<>
			<div class="button-row">
				<Link href={`/inferences/${i.id}`} class="button small">
					Predictions
				</Link>
				{LIVE.has(i.status)
					? can('stop') && (
							<button class="small" disabled={action.busy} onClick={stop}>
								Stop
							</button>
						)
					: can('delete') && (
							<button class="small danger" disabled={action.busy} onClick={remove}>
								Delete
							</button>
						)}
			</div>
			{action.error && <div class="error-inline">{action.error.message}</div>}
		</>
	);
}
