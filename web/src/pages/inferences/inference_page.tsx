// One inference: its figures, what each replica serves, scale, pin a
// version, stop, and its predictions live.
import { api, inferenceLag, inferenceThroughput, inferenceWithFigures, type InferenceServing, type ResultVersion } from '../../api';
import { resourcesText } from '../../components/resources';
import { ErrorBox, Fact, formatNumber, formatTime, Link, Loading, PageHeader, StatusBadge } from '../../components/ui';
import { usePoll } from '../../poll';
import { ExitStages } from './exit_stages';
import { InferenceActions } from './inference_actions';
import { LIVE } from './live';
import { LivePredictions } from './live_predictions';
import { Remarks } from './remarks';
import { Scale } from './scale';
import { LiveReplicas, PinVersion, servedText } from './serving';

/**
 * The inference with its figures and, while a continual result's inference
 * runs, the version it resolves to and the versions it may pin.
 */
async function inferenceDetail(id: number) {
	const inference = await inferenceWithFigures(id);
	let serving: InferenceServing | null = null;
	let versions: ResultVersion[] = [];
	const continual = inference.model_version !== null && inference.model_version !== undefined;
	if (continual && LIVE.has(inference.status)) {
		// Stopped meanwhile, the version answers 409: the next poll shows it stopped.
		[serving, versions] = await Promise.all([api.inferenceServing(id).catch(() => null), api.resultVersions(inference.model_result)]);
	}
	return { inference, serving, versions, continual };
}

export function InferencePage(props: { id: number }) {
	const data = usePoll(() => inferenceDetail(props.id), [props.id]);
	const i = data.data?.inference;
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
							<Fact label="Serves" class="serves">
								{servedText(i.model_version, data.data?.serving)}
							</Fact>
							<Fact label="Replicas">{LIVE.has(i.status) ? <Scale inference={i} onChange={data.reload} /> : i.replicas}</Fact>
							<Fact label="Throughput">{inferenceThroughput(i) === undefined ? '—' : `${formatNumber(inferenceThroughput(i), 3)}/s`}</Fact>
							<Fact label="Lag">{formatNumber(inferenceLag(i))}</Fact>
							<Fact label="Input" class="mono">
								{i.input_topic} ({i.input_format}) on {i.input_kafka_broker ?? 'default'}
							</Fact>
							<Fact label="Output" class="mono">
								{i.output_topic} on {i.output_kafka_broker ?? 'default'}
							</Fact>
							{i.dead_letter_topic && (
								<Fact label="Dead letters" class="mono">
									{i.dead_letter_topic}
								</Fact>
							)}
							<Fact label="Limits" class="resources">
								{resourcesText(i.resources)}
							</Fact>
							<Fact label="Since">{formatTime(i.status_changed ?? i.created_at)}</Fact>
							{(i.restarts ?? 0) > 0 && <Fact label="Restarts">{i.restart_detail}</Fact>}
						</dl>
						{i.status_detail && <p class={i.status === 'failed' ? 'error-inline' : 'muted'}>{i.status_detail}</p>}
						<Remarks id={i.id} />
						<InferenceActions inference={i} onChange={data.reload} />
					</div>
					{(i.exits?.length ?? 0) > 1 && (
						<div class="card">
							<div class="card-head">
								<h2>Stages (early exits)</h2>
							</div>
							<ExitStages inference={i} onChange={data.reload} />
						</div>
					)}
					{LIVE.has(i.status) && (
						<div class="card">
							<div class="card-head">
								<h2>Replicas</h2>
								{data.data?.continual && <PinVersion inference={i} versions={data.data.versions} onChange={data.reload} />}
							</div>
							<LiveReplicas inference={i} serving={data.data?.serving ?? null} />
						</div>
					)}
					<LivePredictions id={props.id} />
				</>
			)}
		</>
	);
}
