// The CPU and memory limits of a deployment's training jobs or an
// inference's replicas (`resources`): the Docker executor makes them each
// container's limits; local processes run without. The form fields send
// them as typed (the server checks them and says what is wrong).
import type { Resources } from '../api';
import { TextField } from './form';

/** The request's `resources` from the two fields; undefined when both are empty. */
export function resourcesValue(cpu: string, memory: string): Resources | undefined {
	const out: Resources = {};
	if (cpu.trim()) out.cpu = Number(cpu);
	if (memory.trim()) out.memory = memory.trim();
	return Object.keys(out).length ? out : undefined;
}

/** "1.5 CPU, 512Mi", or "none" when nothing is limited. */
export function resourcesText(r: Resources | undefined): string {
	const parts = [r?.cpu !== undefined ? `${r.cpu} CPU` : '', r?.memory ?? ''].filter(Boolean);
	return parts.length ? parts.join(', ') : 'none';
}

export function ResourcesFields(props: { whose: string; cpu: string; memory: string; setCpu: (v: string) => void; setMemory: (v: string) => void }) {
	return (
		<div class="form-grid">
			<TextField
				label="CPU limit"
				hint={`CPUs for each ${props.whose}, e.g. 1.5; with the Docker executor. Empty: no limit.`}
				name="cpu"
				type="number"
				min="0"
				step="any"
				value={props.cpu}
				onValue={props.setCpu}
			/>
			<TextField
				label="Memory limit"
				hint={`For each ${props.whose}: bytes, or with Ki, Mi, Gi, e.g. 512Mi; over it the job is restarted. Empty: no limit.`}
				name="memory"
				class="mono"
				value={props.memory}
				onValue={props.setMemory}
				placeholder="e.g. 512Mi"
			/>
		</div>
	);
}
