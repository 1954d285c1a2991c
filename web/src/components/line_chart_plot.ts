// The uPlot side of the learning-curve chart, in a chunk of its own that the
// deployment and result pages load (see line_chart.tsx). Main thread only;
// the plot lives until destroy().
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartSeries } from './line_chart';

export interface PlotHandle {
	setData(x: number[], series: ChartSeries[]): void;
	destroy(): void;
}

/** A y tick: four significant digits, small numbers in exponent form. */
const tick = (v: number) => (v == null ? '' : v !== 0 && Math.abs(v) < 0.001 ? v.toExponential(1) : String(Number(v.toPrecision(4))));

const data = (x: number[], series: ChartSeries[]) => [x, ...series.map((s) => s.values)] as uPlot.AlignedData;

/** A plot that follows the width of `el`; x is the epoch, one line per series. */
export function createPlot(el: HTMLElement, options: { x: number[]; series: ChartSeries[]; xLabel: string; height: number }): PlotHandle {
	const width = () => Math.max(240, el.clientWidth);
	const axis = { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } };
	const opts: uPlot.Options = {
		width: width(),
		height: options.height,
		scales: { x: { time: false } },
		legend: { live: false },
		cursor: { drag: { x: true, y: false } },
		axes: [
			// Epochs are whole numbers: no tick at 2.5.
			{ ...axis, label: options.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000] },
			// A learning rate of 0.0001 is neither "0" nor wider than the axis.
			{ ...axis, size: 56, values: (_u: uPlot, splits: number[]) => splits.map(tick) },
		],
		series: [
			{ label: options.xLabel },
			...options.series.map((s) =>
				s.marks
					? { label: s.label, stroke: s.color, width: 0, spanGaps: false, points: { show: true, size: 11, fill: s.color } }
					: {
							label: s.label,
							stroke: s.color,
							width: 2,
							dash: s.dashed ? [6, 4] : undefined,
							spanGaps: true,
							points: { show: options.x.length < 30 },
						},
			),
		],
	};
	const plot = new uPlot(opts, data(options.x, options.series), el);
	const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: options.height }));
	observer.observe(el);
	return {
		setData: (x, series) => plot.setData(data(x, series)),
		destroy() {
			observer.disconnect();
			plot.destroy();
		},
	};
}
