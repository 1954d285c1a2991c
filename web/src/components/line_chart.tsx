// Learning-curve chart: x is the epoch, one line per series. uPlot comes in
// its own chunk when the first chart mounts. The plot is rebuilt when the set
// of series changes and only fed new data otherwise, so a 1.5 s poll does not
// flicker. Main thread only.
import { useEffect, useRef } from 'preact/hooks';
import { LazyFailed, useLazy } from './lazy';
import type { PlotHandle } from './line_chart_plot';

export interface ChartSeries {
	label: string;
	values: (number | null)[];
	color: string;
	dashed?: boolean;
	/** Points only, no line: events marked on the curves (drifts). */
	marks?: boolean;
}

export const PALETTE = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

const loadPlot = () => import('./line_chart_plot');

export function LineChart(props: { title: string; x: number[]; series: ChartSeries[]; xLabel?: string; height?: number }) {
	const host = useRef<HTMLDivElement>(null);
	const plot = useRef<PlotHandle | null>(null);
	const latest = useRef(props);
	latest.current = props;
	const lib = useLazy(loadPlot);
	const shape = props.series.map((s) => `${s.label}|${s.color}|${s.dashed ? 1 : 0}|${s.marks ? 1 : 0}`).join(',');
	const height = props.height ?? 260;

	useEffect(() => {
		if (!lib.module || !host.current) return;
		const p = lib.module.createPlot(host.current, { x: latest.current.x, series: latest.current.series, xLabel: latest.current.xLabel ?? 'epoch', height });
		plot.current = p;
		return () => {
			p.destroy();
			plot.current = null;
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [lib.module, shape, height]);

	useEffect(() => {
		plot.current?.setData(props.x, props.series);
	});

	return (
		<figure class="chart">
			<figcaption>{props.title}</figcaption>
			{lib.error ? <LazyFailed what="chart" error={lib.error} /> : <div ref={host} class="chart-host" style={{ minHeight: `${height}px` }} />}
		</figure>
	);
}
