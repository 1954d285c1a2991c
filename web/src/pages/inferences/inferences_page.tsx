// The list of inferences: throughput, lag, scale, stop, delete.
import { inferenceLag, inferencesWithFigures, inferenceThroughput } from '../../api';
import { ListPage } from '../../components/list_page';
import { Empty, formatNumber, Link, StatusBadge } from '../../components/ui';
import { usePoll } from '../../poll';
import { InferenceActions } from './inference_actions';
import { LIVE } from './live';
import { Scale } from './scale';
import { servedText } from './serving';

export function InferencesPage() {
	const data = usePoll(inferencesWithFigures, []);
	return (
		<ListPage
			title="Inferences"
			subtitle="Trained models serving predictions from an input topic to an output topic."
			action={['/inferences/new', 'Deploy for inference', 'deploy']}
			load={data}
			rows={data.data}
			head={[
				'#',
				'Result',
				['Serves', 'hide-sm'],
				'Status',
				['Topics', 'hide-sm'],
				'Throughput',
				['Lag', 'hide-sm'],
				['Replicas', 'hide-sm'],
				['Actions', 'actions-col'],
			]}
			empty={
				<Empty title="No inference running" action={['/inferences/new', 'Deploy for inference', 'deploy']}>
					<p>
						Once a training result is <em>finished</em>, deploy it from its result page, or pick it here. Values sent to the input topic come back as
						predictions on the output topic.
					</p>
				</Empty>
			}
		>
			{(rows) =>
				[...rows].reverse().map((i) => (
					<tr key={i.id}>
						<td class="num">
							<Link href={`/inferences/${i.id}`}>{i.id}</Link>
						</td>
						<td>
							<Link href={`/results/${i.model_result}`}>#{i.model_result}</Link>
						</td>
						<td class="hide-sm served">{servedText(i.model_version)}</td>
						<td>
							<StatusBadge status={i.status} />
						</td>
						<td class="mono small hide-sm">
							{i.input_topic} → {i.output_topic}
						</td>
						<td class="num">{inferenceThroughput(i) === undefined ? '—' : `${formatNumber(inferenceThroughput(i), 3)}/s`}</td>
						<td class="num hide-sm">{formatNumber(inferenceLag(i))}</td>
						<td class="hide-sm">{LIVE.has(i.status) ? <Scale inference={i} onChange={data.reload} /> : i.replicas}</td>
						<td class="actions">
							<InferenceActions inference={i} onChange={data.reload} />
						</td>
					</tr>
				))
			}
		</ListPage>
	);
}
