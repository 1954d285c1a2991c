// Learning-curve chart on uPlot: x is the epoch, one line per series. The
// plot is rebuilt when the set of series changes and only fed new data
// otherwise, so a 1.5 s poll does not flicker. Main thread only.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface ChartSeries {
	label: string;
	values: (number | null)[];
	color: string;
	dashed?: boolean;
}

export const PALETTE = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

export function LineChart(props: { title: string; x: number[]; series: ChartSeries[]; xLabel?: string; height?: number }) {
	const host = useRef<HTMLDivElement>(null);
	const plot = useRef<uPlot | null>(null);
	const shape = props.series.map((s) => `${s.label}|${s.color}|${s.dashed ? 1 : 0}`).join(',');

	useEffect(() => {
		const el = host.current;
		if (!el) return;
		const width = () => Math.max(240, el.clientWidth);
		const opts: uPlot.Options = {
			width: width(),
			height: props.height ?? 260,
			scales: { x: { time: false } },
			legend: { live: false },
			cursor: { drag: { x: true, y: false } },
			axes: [
				{ label: props.xLabel ?? 'epoch', stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } },
				{ stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, size: 56 },
			],
			series: [
				{ label: props.xLabel ?? 'epoch' },
				...props.series.map((s) => ({
					label: s.label,
					stroke: s.color,
					width: 2,
					dash: s.dashed ? [6, 4] : undefined,
					spanGaps: true,
					points: { show: props.x.length < 30 },
				})),
			],
		};
		const p = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
		plot.current = p;
		const observer = new ResizeObserver(() => p.setSize({ width: width(), height: props.height ?? 260 }));
		observer.observe(el);
		return () => {
			observer.disconnect();
			p.destroy();
			plot.current = null;
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [shape, props.height]);

	useEffect(() => {
		plot.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
	});

	return (
		<figure class="chart">
			<figcaption>{props.title}</figcaption>
			<div ref={host} class="chart-host" />
		</figure>
	);
}
