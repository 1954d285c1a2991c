// The replica count of a running inference, and the button that changes it
// (for a role that may scale).
import { useState } from 'preact/hooks';
import { api, type Inference } from '../../api';
import { useCan } from '../../auth';
import { useAction } from '../../poll';
import { remarks } from './remarks';

export function Scale(props: { inference: Inference; onChange: () => void }) {
	const [replicas, setReplicas] = useState(String(props.inference.replicas));
	const action = useAction();
	const allowed = useCan()('scale');
	if (!allowed) return <>{props.inference.replicas}</>;
	const apply = async (e: Event) => {
		e.preventDefault();
		const scaled = await action.run(() => api.scaleInference(props.inference.id, Number(replicas)));
		if (scaled) remarks.set(scaled.id, { warnings: scaled.warnings });
		props.onChange();
	};
	return (
		<form class="scale" onSubmit={apply}>
			<input aria-label="Replicas" type="number" min="1" step="1" value={replicas} onInput={(e) => setReplicas(e.currentTarget.value)} />
			<button class="small" type="submit" disabled={action.busy || Number(replicas) === props.inference.replicas}>
				Scale
			</button>
			{action.error && <span class="error-inline">{action.error.message}</span>}
		</form>
	);
}
