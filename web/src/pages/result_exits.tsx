// The exit table of a trained early-exit model: each exit's metrics and, for
// each confidence threshold, the share of validation inputs it would answer
// in a chain where every stage uses that threshold, with its accuracy on
// them. It is what a user reads to pick the thresholds of an inference; a
// selector shows it by each confidence rule a stage may use.
import { useState } from 'preact/hooks';
import type { ConfidenceRule, ResultExit } from '../api';
import { formatNumber } from '../components/ui';

const RULE_NAMES: Record<ConfidenceRule, string> = {
	top_probability: 'top-class probability',
	margin: 'margin (best - second)',
	entropy: '1 - entropy',
};

function percent(v: number | null | undefined): string {
	return v === null || v === undefined ? '—' : `${formatNumber(v * 100, 3)}%`;
}

export function ResultExits(props: { exits: ResultExit[] }) {
	const exits = props.exits;
	const [rule, setRule] = useState<ConfidenceRule>('top_probability');
	const rules = (Object.keys(RULE_NAMES) as ConfidenceRule[]).filter((r) =>
		exits.some((x) => (r === 'top_probability' ? x.thresholds?.length : x.thresholds_by_confidence?.[r])),
	);
	const table = (x: ResultExit) => (rule === 'top_probability' ? x.thresholds : x.thresholds_by_confidence?.[rule]) ?? [];
	const keys = [...new Set(exits.flatMap((x) => Object.keys(x.metrics ?? {})))];
	const thresholds = [...new Set(exits.flatMap((x) => table(x).map((t) => t.threshold)))].sort((a, b) => a - b);
	return (
		<div class="table-scroll">
			{rules.length > 1 && (
				<label class="exit-rule">
					Confidence{' '}
					<select aria-label="Exit table confidence" value={rule} onChange={(e) => setRule(e.currentTarget.value as ConfidenceRule)}>
						{rules.map((r) => (
							<option key={r} value={r}>
								{RULE_NAMES[r]}
							</option>
						))}
					</select>
				</label>
			)}
			<table class="list metrics exits">
				<thead>
					<tr>
						<th>Exit</th>
						{keys.map((k) => (
							<th key={k}>{k}</th>
						))}
						{thresholds.map((t) => (
							<th key={t} title="share of the inputs answered · accuracy on them">
								≥ {t}
							</th>
						))}
					</tr>
				</thead>
				<tbody>
					{exits.map((x) => (
						<tr key={x.index} class="exit-row">
							<th>
								{x.index}
								{x.name ? ` (${x.name})` : ''}
							</th>
							{keys.map((k) => (
								<td key={k} class="num">
									{formatNumber(x.metrics?.[k])}
								</td>
							))}
							{thresholds.map((t) => {
								const at = table(x).find((y) => y.threshold === t);
								return (
									<td key={t} class="num">
										{at ? `${percent(at.share)} · ${percent(at.accuracy)}` : '—'}
									</td>
								);
							})}
						</tr>
					))}
				</tbody>
			</table>
			<p class="muted">
				Per threshold: the share of the validation inputs the exit answers when every stage uses it and measures its confidence by the {RULE_NAMES[rule]}, and
				its accuracy on them.
			</p>
		</div>
	);
}
