// The app shell: sign-in gate (the stored token, then whoami), the header
// with who is signed in, navigation (a side bar on a laptop, a collapsible
// top bar on a phone; the admin pages only for admins) and the route table,
// whose forms need the role that may submit them.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, getToken, signOut, type WhoAmI } from './api';
import { type Ability, can, SessionContext } from './auth';
import { ErrorBox, Link, Loading, RoleNeeded } from './components/ui';
import { AuditPage } from './pages/admin/audit';
import { TokensPage } from './pages/admin/tokens';
import { UsersPage } from './pages/admin/users';
import { ConfigurationsPage, NewConfigurationPage } from './pages/configurations';
import { DatasourcesPage } from './pages/datasources';
import { DeploymentPage, DeploymentsPage, NewDeploymentPage } from './pages/deployments';
import { InferencePage } from './pages/inferences/inference_page';
import { InferencesPage } from './pages/inferences/inferences_page';
import { NewInferencePage } from './pages/inferences/new_inference_page';
import { ModelEditPage, ModelsPage } from './pages/models';
import { ResultPage } from './pages/result';
import { SignInPage } from './pages/sign_in';
import { match, navigate, useLocation } from './router';

const NAV: [string, string][] = [
	['/models', 'Models'],
	['/configurations', 'Configurations'],
	['/deployments', 'Deployments'],
	['/inferences', 'Inferences'],
	['/datasources', 'Datasources'],
];

/** The admin's pages, after the pipeline's steps. */
const ADMIN_NAV: [string, string][] = [
	['/users', 'Users'],
	['/tokens', 'Tokens'],
	['/audit', 'Audit log'],
];

function useToken(): string | null {
	const [token, set] = useState(getToken());
	useEffect(() => {
		const update = () => set(getToken());
		window.addEventListener('kafkaml-token', update);
		window.addEventListener('storage', update);
		return () => {
			window.removeEventListener('kafkaml-token', update);
			window.removeEventListener('storage', update);
		};
	}, []);
	return token;
}

function route(path: string, query: URLSearchParams, role: string) {
	let p: Record<string, string> | null;
	// A page that only `ability` may use says which role it needs instead.
	const needs = (ability: Ability, page: () => JSX.Element) => (can(role, ability) ? page() : <RoleNeeded ability={ability} />);
	if (path === '/models') return <ModelsPage />;
	if (path === '/models/new') return needs('create', () => <ModelEditPage id={null} />);
	if ((p = match('/models/:id', path))) return <ModelEditPage id={Number(p.id)} />;
	if (path === '/configurations') return <ConfigurationsPage />;
	if (path === '/configurations/new') return needs('create', () => <NewConfigurationPage preselect={query.get('model')} />);
	if (path === '/deployments') return <DeploymentsPage />;
	if (path === '/deployments/new') return needs('deploy', () => <NewDeploymentPage configuration={query.get('configuration')} />);
	if ((p = match('/deployments/:id', path))) return <DeploymentPage id={Number(p.id)} />;
	if ((p = match('/results/:id', path))) return <ResultPage id={Number(p.id)} />;
	if (path === '/inferences') return <InferencesPage />;
	if (path === '/inferences/new') return needs('deploy', () => <NewInferencePage result={query.get('result')} />);
	if ((p = match('/inferences/:id', path))) return <InferencePage id={Number(p.id)} />;
	if (path === '/users') return needs('admin', () => <UsersPage />);
	if (path === '/tokens') return needs('admin', () => <TokensPage />);
	if (path === '/audit') return needs('admin', () => <AuditPage />);
	if (path === '/datasources') return <DatasourcesPage />;
	return (
		<div class="empty">
			<h2>No page here</h2>
			<p>
				<Link href="/models">Go to the models</Link>
			</p>
		</div>
	);
}

/** Who the stored token belongs to: loaded once per token; a 401 signs out (api.ts). */
function useSessionOf(token: string | null): { session: WhoAmI | null; error: ApiError | null } {
	const [state, setState] = useState<{ token: string | null; session: WhoAmI | null; error: ApiError | null }>({ token: null, session: null, error: null });
	useEffect(() => {
		if (!token) return;
		let alive = true;
		api.whoami().then(
			(session) => alive && setState({ token, session, error: null }),
			(e: unknown) => alive && setState({ token, session: null, error: e instanceof ApiError ? e : new ApiError(0, String(e), undefined) }),
		);
		return () => {
			alive = false;
		};
	}, [token]);
	return state.token === token ? state : { session: null, error: null };
}

export function App() {
	const token = useToken();
	const { session, error } = useSessionOf(token);
	const { path, query } = useLocation();
	const [menuOpen, setMenuOpen] = useState(false);

	useEffect(() => {
		if (path === '/') navigate('/models', true);
		setMenuOpen(false);
	}, [path]);

	if (!token) return <SignInPage />;
	if (!session)
		return (
			<div class="sign-in">
				<div class="card sign-in-card">
					{error ? <ErrorBox error={error} /> : <Loading />}
					{error && (
						<button class="link-button" onClick={() => signOut()}>
							Sign out
						</button>
					)}
				</div>
			</div>
		);
	const role = session.user.role;
	const section = '/' + (path.split('/')[1] ?? '');
	const active = section === '/results' ? '/deployments' : section;
	const nav = can(role, 'admin') ? [...NAV, ...ADMIN_NAV] : NAV;

	return (
		<SessionContext.Provider value={session}>
			<div class="shell">
				<header class="topbar">
					<Link href="/models" class="brand">
						<span class="brand-mark" aria-hidden="true">
							K
						</span>
						Kafka-ML
					</Link>
					<div class="session">
						<span class="session-user" title={`Token "${session.token.name}"`}>
							{session.user.name}
						</span>
						<span class={`badge role role-${role}`}>{role}</span>
						<button class="link-button sign-out" onClick={() => signOut()}>
							Sign out
						</button>
					</div>
					<button class="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
						☰ <span class="sr-only">Menu</span>
					</button>
				</header>
				<nav id="nav" class={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
					<ol class="steps">
						{nav.map(([href, label], i) => (
							<li key={href} class={i === NAV.length ? 'admin-first' : undefined}>
								<Link href={href} class={active === href ? 'active' : ''}>
									<span class="step-no">{i < NAV.length ? i + 1 : '⚙'}</span>
									{label}
								</Link>
							</li>
						))}
					</ol>
				</nav>
				<main class="content">{route(path, query, role)}</main>
			</div>
		</SessionContext.Provider>
	);
}
