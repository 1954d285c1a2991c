// An inference's predictions as they come: server-sent events from
// GET /api/v1/inferences/{id}/predictions/stream, read with fetch() so that
// the token goes with them (event_stream.ts).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { formatNumber } from '../../components/ui';
import { followEvents } from './event_stream';

interface Prediction {
	at: number;
	text: string;
	values: string;
}

/** Live predictions over SSE; keeps the newest 200 and counts the rate; reconnects when the stream drops. */
export function LivePredictions(props: { id: number }) {
	const [rows, setRows] = useState<Prediction[]>([]);
	const [state, setState] = useState<'connecting' | 'open' | 'unavailable'>('connecting');
	const [total, setTotal] = useState(0);
	const times = useRef<number[]>([]);
	const [, setTick] = useState(0);

	useEffect(() => {
		const url = api.predictionsUrl(props.id);
		let alive = true;
		let buffer: Prediction[] = [];
		let count = 0;
		const flush = window.setInterval(() => {
			if (buffer.length) {
				const add = buffer;
				buffer = [];
				setRows((r) => [...add.reverse(), ...r].slice(0, 200));
				setTotal(count);
			}
			setTick((t) => t + 1);
		}, 250);
		const stop = new AbortController();
		void followEvents(
			url,
			stop.signal,
			(next) => alive && setState(next),
			(data) => {
				count++;
				const now = Date.now();
				times.current.push(now);
				let values = '';
				try {
					const v = JSON.parse(data) as { values?: unknown; value?: { values?: unknown } };
					const inner = v.values ?? v.value?.values;
					values = inner === undefined ? '' : JSON.stringify(inner);
				} catch {
					values = '';
				}
				buffer.push({ at: now, text: data, values });
			},
		);
		return () => {
			alive = false;
			clearInterval(flush);
			stop.abort();
		};
	}, [props.id]);

	const now = Date.now();
	times.current = times.current.filter((t) => now - t < 5000);
	const rate = times.current.length / 5;
	return (
		<div class="card">
			<div class="card-head">
				<h2>Live predictions</h2>
				<span class={`live-dot ${state}`}>
					{state === 'open' ? `live · ${formatNumber(rate, 3)}/s · ${total} received` : state === 'connecting' ? 'connecting…' : 'not available'}
				</span>
			</div>
			{state === 'unavailable' ? (
				<p class="muted">This server does not stream predictions yet; read the output topic with any Kafka client.</p>
			) : rows.length === 0 ? (
				<p class="muted">
					Waiting for predictions: send values to the input topic (e.g. with <code>kafkaml send</code>).
				</p>
			) : (
				<div class="table-scroll predictions">
					<table class="list">
						<thead>
							<tr>
								<th>Time</th>
								<th>Values</th>
								<th class="hide-sm">Message</th>
							</tr>
						</thead>
						<tbody>
							{rows.map((p, k) => (
								<tr key={rows.length - k}>
									<td class="muted nowrap">{new Date(p.at).toLocaleTimeString()}</td>
									<td class="mono">{p.values || '—'}</td>
									<td class="mono small hide-sm">{p.text.length > 160 ? `${p.text.slice(0, 160)}…` : p.text}</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
		</div>
	);
}
