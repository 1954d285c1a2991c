// A Kafka cluster field: one the server configures (GET /clusters) picked
// from a list, or a bootstrap list typed.
import type { KafkaCluster } from '../../api';
import { Field } from '../../components/ui';

/** "edge (kafka-1:9093, sasl_ssl SCRAM-SHA-512)": what a cluster's option says of it. */
function clusterText(c: KafkaCluster): string {
	const security = [c.security_protocol, c.sasl_mechanism].filter(Boolean).join(' ');
	return [c.bootstrap_servers, security].filter(Boolean).join(', ');
}

/** A cluster field: a configured cluster's name picked from the list, or a bootstrap list typed. */
export function ClusterField(props: { label: string; name: string; value: string; onInput: (v: string) => void; clusters: KafkaCluster[]; hint: string }) {
	const listId = `${props.name}-clusters`;
	return (
		<Field label={props.label} hint={props.hint}>
			<input name={props.name} class="mono" list={listId} value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} placeholder="default" />
			<datalist id={listId}>
				{props.clusters.map((c) => (
					<option key={c.name} value={c.name}>
						{clusterText(c)}
					</option>
				))}
			</datalist>
		</Field>
	);
}
