// CodeMirror 6 editor with Python highlighting for model code. The API's
// validation error is shown as a lint diagnostic at its line and column.
// Main thread only; the editor view lives as long as the component.
import { python } from '@codemirror/lang-python';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';

export interface CodeError {
	line: number;
	column: number;
	message: string;
}

export function CodeEditor(props: { value: string; onChange: (v: string) => void; error: CodeError | null; label: string; minLines?: number }) {
	const host = useRef<HTMLDivElement>(null);
	const view = useRef<EditorView | null>(null);
	const onChange = useRef(props.onChange);
	onChange.current = props.onChange;

	useEffect(() => {
		if (!host.current) return;
		const v = new EditorView({
			parent: host.current,
			state: EditorState.create({
				doc: props.value,
				extensions: [
					basicSetup,
					python(),
					lintGutter(),
					EditorView.lineWrapping,
					EditorView.contentAttributes.of({ 'aria-label': props.label }),
					EditorView.theme({ '&': { minHeight: `${(props.minLines ?? 10) * 1.45}em` }, '.cm-scroller': { minHeight: 'inherit' } }),
					EditorView.updateListener.of((u) => {
						if (u.docChanged) onChange.current(u.state.doc.toString());
					}),
				],
			}),
		});
		view.current = v;
		return () => {
			v.destroy();
			view.current = null;
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);

	// Outside changes (a model loaded from the server) replace the text.
	useEffect(() => {
		const v = view.current;
		if (!v || v.state.doc.toString() === props.value) return;
		v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
	}, [props.value]);

	useEffect(() => {
		const v = view.current;
		if (!v) return;
		const diagnostics: Diagnostic[] = [];
		const e = props.error;
		if (e) {
			const doc = v.state.doc;
			const lineNo = Math.min(Math.max(1, e.line), doc.lines);
			const line = doc.line(lineNo);
			const from = Math.min(line.from + Math.max(0, e.column - 1), line.to);
			const to = from < line.to ? line.to : from;
			diagnostics.push({ from, to, severity: 'error', message: e.message });
			v.dispatch({ selection: { anchor: from }, scrollIntoView: true });
		}
		v.dispatch(setDiagnostics(v.state, diagnostics));
	}, [props.error]);

	return <div class="code-editor" ref={host} />;
}
