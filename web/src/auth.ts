// Who is signed in and what their role lets them do. The server decides
// (401, 403); the UI only hides what the role may not do, so that a viewer
// is not offered buttons that would be refused. Every page asks `can()`;
// no page compares roles itself. Main thread only.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Role, WhoAmI } from './api';

export type { Role };

/** What a page may offer: reads, the operator's changes, the admin's deletes and pages. */
export type Ability = 'read' | 'create' | 'deploy' | 'send' | 'stop' | 'scale' | 'pin' | 'delete' | 'admin';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

const NEEDS: Record<Ability, Role> = {
	read: 'viewer',
	create: 'operator',
	deploy: 'operator',
	send: 'operator',
	stop: 'operator',
	scale: 'operator',
	pin: 'operator',
	delete: 'admin',
	admin: 'admin',
};

/** The role an ability needs (the least one). */
export function roleNeeded(ability: Ability): Role {
	return NEEDS[ability];
}

/** Whether `role` may do `ability`; an unknown role may only read. */
export function can(role: string | undefined, ability: Ability): boolean {
	const rank = role !== undefined && role in RANK ? RANK[role as Role] : 0;
	return rank >= RANK[NEEDS[ability]];
}

/** The signed-in user and token (GET whoami), set by the app shell. */
export const SessionContext = createContext<WhoAmI | null>(null);

export function useSession(): WhoAmI | null {
	return useContext(SessionContext);
}

/** `can` for the signed-in user. */
export function useCan(): (ability: Ability) => boolean {
	const session = useSession();
	return (ability) => can(session?.user.role, ability);
}
