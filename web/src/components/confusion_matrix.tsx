// Confusion matrix of a classifier: rows are true labels, columns predicted,
// cells shaded by their share of the row so that recall reads at a glance.
export function ConfusionMatrix(props: { matrix: number[][]; labels?: string[]; title: string }) {
	const m = props.matrix;
	const labels = props.labels ?? m.map((_, i) => String(i));
	return (
		<figure class="confusion">
			<figcaption>{props.title}</figcaption>
			<div class="table-scroll">
				<table class="matrix">
					<thead>
						<tr>
							<th class="corner">true ↓ / predicted →</th>
							{labels.map((l) => (
								<th key={l}>{l}</th>
							))}
						</tr>
					</thead>
					<tbody>
						{m.map((row, i) => {
							const total = row.reduce((a, b) => a + b, 0) || 1;
							return (
								<tr key={i}>
									<th>{labels[i]}</th>
									{row.map((v, j) => {
										const share = v / total;
										return (
											<td
												key={j}
												class={i === j ? 'diag' : ''}
												style={{
													background: `rgba(${i === j ? '36,87,197' : '217,72,15'},${(0.08 + 0.72 * share).toFixed(2)})`,
													color: share > 0.55 ? '#fff' : undefined,
												}}
											>
												{v}
											</td>
										);
									})}
								</tr>
							);
						})}
					</tbody>
				</table>
			</div>
		</figure>
	);
}

/** Finds a confusion matrix in a result's metrics (test, then validation, then train). */
export function findConfusion(...sources: (Record<string, unknown> | undefined)[]): { matrix: number[][]; labels?: string[]; from: string } | null {
	const names = ['test', 'validation', 'train'];
	for (let k = 0; k < sources.length; k++) {
		const s = sources[k];
		if (!s) continue;
		const raw = s.confusion_matrix;
		const candidate = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).matrix : raw;
		if (!Array.isArray(candidate) || candidate.length === 0) continue;
		if (!candidate.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) continue;
		const labelsRaw = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).labels : s.labels;
		const labels = Array.isArray(labelsRaw) ? labelsRaw.map(String) : undefined;
		return { matrix: candidate as number[][], labels, from: names[k] ?? '' };
	}
	return null;
}
