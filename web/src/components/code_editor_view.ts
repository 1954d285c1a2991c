// The CodeMirror 6 side of the code editor, in a chunk of its own that the
// model editor page loads (see code_editor.tsx). The API's validation error
// is marked at its line and column by a decoration of our own (a line
// background and an underline from the column on), which the next edit
// clears: the error refers to the code as it was sent.
//
// The editor lives in a shadow root of its host: there CodeMirror adds its
// styles as a constructed stylesheet (adoptedStyleSheets), which the
// server's Content-Security-Policy allows, where in the document it would
// insert a <style> element, which the policy refuses. So the page's
// stylesheet does not reach inside: the editor's look is its theme here.
// Main thread only; the view lives until destroy().
import { python } from '@codemirror/lang-python';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { CodeError } from './code_editor';

const setErrorEffect = StateEffect.define<{ from: number; to: number; line: number } | null>();

const errorMarks = StateField.define<DecorationSet>({
	create: () => Decoration.none,
	update(marks, tr) {
		for (const e of tr.effects) {
			if (!e.is(setErrorEffect)) continue;
			if (!e.value) return Decoration.none;
			const ranges = [Decoration.line({ class: 'cm-errorLine' }).range(e.value.line)];
			if (e.value.to > e.value.from) ranges.push(Decoration.mark({ class: 'cm-errorMark' }).range(e.value.from, e.value.to));
			return Decoration.set(ranges, true);
		}
		return tr.docChanged ? Decoration.none : marks;
	},
	provide: (f) => EditorView.decorations.from(f),
});

export interface EditorHandle {
	/** Replaces the text unless it is already that (typing is never written back). */
	setText(text: string): void;
	/** Marks the error (and scrolls to it), or clears the mark. */
	setError(error: CodeError | null): void;
	destroy(): void;
}

/** The editor's look (custom properties such as --mono come from the page through the shadow root). */
function look(minLines: number) {
	return EditorView.theme({
		'&': { minHeight: `${minLines * 1.45}em`, fontSize: '0.9rem', background: '#fff' },
		'&.cm-focused': { outline: 'none' },
		'.cm-scroller': { minHeight: 'inherit' },
		'.cm-content, .cm-gutters': { fontFamily: 'var(--mono)' },
		'.cm-errorLine': { background: '#fff0f0' },
		'.cm-errorMark': { textDecoration: 'underline wavy var(--danger)', textUnderlineOffset: '3px' },
		// Below 16 px a phone's browser zooms into the field on focus.
		'@media (max-width: 900px)': { '&': { fontSize: '16px' } },
	});
}

export function createEditor(parent: HTMLElement, options: { text: string; label: string; minLines: number; onChange: (text: string) => void }): EditorHandle {
	const root = parent.shadowRoot ?? parent.attachShadow({ mode: 'open' });
	const view = new EditorView({
		parent: root,
		root,
		state: EditorState.create({
			doc: options.text,
			extensions: [
				basicSetup,
				python(),
				errorMarks,
				EditorView.lineWrapping,
				EditorView.contentAttributes.of({ 'aria-label': options.label }),
				look(options.minLines),
				EditorView.updateListener.of((u) => {
					if (u.docChanged) options.onChange(u.state.doc.toString());
				}),
			],
		}),
	});
	return {
		setText(text) {
			if (view.state.doc.toString() === text) return;
			view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
		},
		setError(e) {
			if (!e) {
				view.dispatch({ effects: setErrorEffect.of(null) });
				return;
			}
			const doc = view.state.doc;
			const line = doc.line(Math.min(Math.max(1, e.line), doc.lines));
			const from = Math.min(line.from + Math.max(0, e.column - 1), line.to);
			view.dispatch({
				effects: [setErrorEffect.of({ from, to: line.to, line: line.from }), EditorView.scrollIntoView(from, { y: 'center' })],
				selection: { anchor: from },
			});
		},
		destroy: () => view.destroy(),
	};
}
