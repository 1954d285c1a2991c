// The model code editor (CodeMirror 6 with Python highlighting). CodeMirror
// is most of the app's code, so it comes in its own chunk when this
// component first mounts; until then a placeholder keeps the editor's height.
// Main thread only; the editor lives as long as the component.
import { useEffect, useRef } from 'preact/hooks';
import type { EditorHandle } from './code_editor_view';
import { LazyFailed, useLazy } from './lazy';

export interface CodeError {
	line: number;
	column: number;
	message: string;
}

const loadView = () => import('./code_editor_view');

/**
 * `initial` sets the text when the editor starts and whenever it changes (a
 * model loaded from the server); typing only reports through onChange, so the
 * editor owns its text and a re-render never writes it back.
 */
export function CodeEditor(props: { initial: string; onChange: (v: string) => void; error: CodeError | null; label: string; minLines?: number }) {
	const host = useRef<HTMLDivElement>(null);
	const editor = useRef<EditorHandle | null>(null);
	// The chunk may arrive after the model did: the editor starts from the latest props.
	const latest = useRef(props);
	latest.current = props;
	const view = useLazy(loadView);
	const minLines = props.minLines ?? 10;

	useEffect(() => {
		if (!view.module || !host.current) return;
		const e = view.module.createEditor(host.current, {
			text: latest.current.initial,
			label: latest.current.label,
			minLines,
			onChange: (v) => latest.current.onChange(v),
		});
		if (latest.current.error) e.setError(latest.current.error);
		editor.current = e;
		return () => {
			e.destroy();
			editor.current = null;
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [view.module]);

	useEffect(() => {
		editor.current?.setText(props.initial);
	}, [props.initial]);
	useEffect(() => {
		editor.current?.setError(props.error);
	}, [props.error]);

	if (view.error) return <LazyFailed what="code editor" error={view.error} />;
	return (
		<div class="code-editor">
			<div ref={host} />
			{!view.module && (
				<div class="code-editor-loading muted" style={{ minHeight: `${minLines * 1.45}em` }}>
					Loading the editor…
				</div>
			)}
		</div>
	);
}
