// What the server said when an inference was created or scaled, shown on its
// page until the app is reloaded (the server does not store them).
import type { ServerRemarks } from '../../api';

export const remarks = new Map<number, ServerRemarks>();

export function Remarks(props: { id: number }) {
	const said = remarks.get(props.id);
	if (!said) return null;
	return (
		<>
			{(said.notes ?? []).map((text) => (
				<p key={text} class="muted remark">
					{text}
				</p>
			))}
			{(said.warnings ?? []).map((text) => (
				<p key={text} class="error-inline remark">
					{text}
				</p>
			))}
		</>
	);
}
