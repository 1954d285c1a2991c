// CodeMirror 6 editor with Python highlighting for model code. The API's
// validation error is marked at its line and column by a decoration of our
// own (a line background and an underline from the column on), which the
// next edit clears: the error refers to the code as it was sent.
// Main thread only; the editor view lives as long as the component.
import { python } from '@codemirror/lang-python';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';

const setError = StateEffect.define<{ from: number; to: number; line: number } | null>();

const errorMarks = StateField.define<DecorationSet>({
	create: () => Decoration.none,
	update(marks, tr) {
		for (const e of tr.effects) {
			if (!e.is(setError)) continue;
			if (!e.value) return Decoration.none;
			const ranges = [Decoration.line({ class: 'cm-errorLine' }).range(e.value.line)];
			if (e.value.to > e.value.from) ranges.push(Decoration.mark({ class: 'cm-errorMark' }).range(e.value.from, e.value.to));
			return Decoration.set(ranges, true);
		}
		return tr.docChanged ? Decoration.none : marks;
	},
	provide: (f) => EditorView.decorations.from(f),
});

export interface CodeError {
	line: number;
	column: number;
	message: string;
}

/**
 * `initial` sets the text when the editor starts and whenever it changes (a
 * model loaded from the server); typing only reports through onChange, so the
 * editor owns its text and a re-render never writes it back.
 */
export function CodeEditor(props: { initial: string; onChange: (v: string) => void; error: CodeError | null; label: string; minLines?: number }) {
	const host = useRef<HTMLDivElement>(null);
	const view = useRef<EditorView | null>(null);
	const onChange = useRef(props.onChange);
	onChange.current = props.onChange;

	useEffect(() => {
		if (!host.current) return;
		const v = new EditorView({
			parent: host.current,
			state: EditorState.create({
				doc: props.initial,
				extensions: [
					basicSetup,
					python(),
					errorMarks,
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

	useEffect(() => {
		const v = view.current;
		if (!v || v.state.doc.toString() === props.initial) return;
		v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.initial } });
	}, [props.initial]);

	useEffect(() => {
		const v = view.current;
		if (!v) return;
		const e = props.error;
		if (!e) {
			v.dispatch({ effects: setError.of(null) });
			return;
		}
		const doc = v.state.doc;
		const line = doc.line(Math.min(Math.max(1, e.line), doc.lines));
		const from = Math.min(line.from + Math.max(0, e.column - 1), line.to);
		v.dispatch({
			effects: [setError.of({ from, to: line.to, line: line.from }), EditorView.scrollIntoView(from, { y: 'center' })],
			selection: { anchor: from },
		});
	}, [props.error]);

	return <div class="code-editor" ref={host} />;
}
