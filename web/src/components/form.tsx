// The parts every create/edit form repeats: the card with its submit row
// (the API's error shown just above it) and a labelled input bound to a
// piece of state. Main thread only.
import type { ComponentChildren, ComponentProps } from 'preact';
import type { ApiError } from '../api';
import { type Ability, useCan } from '../auth';
import { ErrorBox, Field, RoleNeeded } from './ui';

/** The state of the save in flight (useAction). */
export interface Saving {
	busy: boolean;
	error: ApiError | null;
}

/**
 * A form card: `onSubmit` runs instead of the browser's submit; the submit
 * button is disabled while `save` is busy or when `disabled`; `after` goes
 * next to it (a success note, a follow-up link). A role that may not
 * `needs` (default: create) sees the fields and, instead of the submit row,
 * the role it needs.
 */
export function Form(props: {
	onSubmit: () => unknown;
	save: Saving;
	submit: ComponentChildren;
	disabled?: boolean;
	after?: ComponentChildren;
	needs?: Ability;
	children: ComponentChildren;
}) {
	const allowed = useCan()(props.needs ?? 'create');
	return (
		<form
			class="card form"
			onSubmit={(e) => {
				e.preventDefault();
				void props.onSubmit();
			}}
		>
			{props.children}
			<ErrorBox error={props.save.error} />
			{allowed ? (
				<div class="form-actions">
					<button class="primary" type="submit" disabled={props.save.busy || props.disabled}>
						{props.submit}
					</button>
					{props.after}
				</div>
			) : (
				<RoleNeeded ability={props.needs ?? 'create'} what="Saving" />
			)}
		</form>
	);
}

/** A labelled <input> whose text goes to `onValue`; other attributes pass through. */
export function TextField(
	props: { label: string; hint?: ComponentChildren; wide?: boolean; onValue: (v: string) => void } & Omit<ComponentProps<'input'>, 'onInput'>,
) {
	const { label, hint, wide, onValue, ...input } = props;
	return (
		<Field label={label} hint={hint} wide={wide}>
			<input {...input} onInput={(e) => onValue(e.currentTarget.value)} />
		</Field>
	);
}

/** The name and description every object of the API has, side by side. */
export function NameAndDescription(props: {
	name: string;
	setName: (v: string) => void;
	description: string;
	setDescription: (v: string) => void;
	example: string;
}) {
	return (
		<div class="form-grid">
			<TextField label="Name" name="name" value={props.name} required onValue={props.setName} placeholder={`e.g. ${props.example}`} />
			<TextField label="Description" name="description" value={props.description} onValue={props.setDescription} placeholder="what it is for" />
		</div>
	);
}
