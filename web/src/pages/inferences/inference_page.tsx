// One inference: its figures, scale, stop, and its predictions live.
import { inferenceLag, inferenceThroughput, inferenceWithFigures } from '../../api';
import { ErrorBox, Fact, formatNumber, formatTime, Link, Loading, PageHeader, StatusBadge } from '../../components/ui';
import { usePoll } from '../../poll';
import { InferenceActions } from './inference_actions';
import { LIVE } from './live';
import { LivePredictions } from './live_predictions';
import { Remarks } from './remarks';
import { Scale } from './scale';

export function InferencePage(props: { id: number }) {
	const data = usePoll(() => inferenceWithFigures(props.id), [props.id]);
	const i = data.data;
	return (
		<>
			<PageHeader title={`Inference ${props.id}`} subtitle={<Link href="/inferences">← All inferences</Link>} />
			<ErrorBox error={data.error} />
			{!i ? (
				data.loading && <Loading />
			) : (
				<>
					<div class="card summary">
						<dl class="facts">
							<Fact label="Status">
								<StatusBadge status={i.status} />
							</Fact>
							<Fact label="Result">
								<Link href={`/results/${i.model_result}`}>#{i.model_result}</Link>
							</Fact>
							<Fact label="Replicas">{LIVE.has(i.status) ? <Scale inference={i} onChange={data.reload} /> : i.replicas}</Fact>
							<Fact label="Throughput">{inferenceThroughput(i) === undefined ? '—' : `${formatNumber(inferenceThroughput(i), 3)}/s`}</Fact>
							<Fact label="Lag">{formatNumber(inferenceLag(i))}</Fact>
							<Fact label="Input" class="mono">
								{i.input_topic} ({i.input_format})
							</Fact>
							<Fact label="Output" class="mono">
								{i.output_topic}
							</Fact>
							{i.dead_letter_topic && (
								<Fact label="Dead letters" class="mono">
									{i.dead_letter_topic}
								</Fact>
							)}
							<Fact label="Since">{formatTime(i.status_changed ?? i.created_at)}</Fact>
							{(i.restarts ?? 0) > 0 && <Fact label="Restarts">{i.restart_detail}</Fact>}
						</dl>
						{i.status_detail && <p class={i.status === 'failed' ? 'error-inline' : 'muted'}>{i.status_detail}</p>}
						<Remarks id={i.id} />
						<InferenceActions inference={i} onChange={data.reload} />
					</div>
					<LivePredictions id={props.id} />
				</>
			)}
		</>
	);
}
