// The app shell: sign-in gate, navigation (a side bar on a laptop, a
// collapsible top bar on a phone) and the route table.
import { useEffect, useState } from 'preact/hooks';
import { getToken, setToken } from './api';
import { Link } from './components/ui';
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

function route(path: string, query: URLSearchParams) {
	let p: Record<string, string> | null;
	if (path === '/models') return <ModelsPage />;
	if (path === '/models/new') return <ModelEditPage id={null} />;
	if ((p = match('/models/:id', path))) return <ModelEditPage id={Number(p.id)} />;
	if (path === '/configurations') return <ConfigurationsPage />;
	if (path === '/configurations/new') return <NewConfigurationPage preselect={query.get('model')} />;
	if (path === '/deployments') return <DeploymentsPage />;
	if (path === '/deployments/new') return <NewDeploymentPage configuration={query.get('configuration')} />;
	if ((p = match('/deployments/:id', path))) return <DeploymentPage id={Number(p.id)} />;
	if ((p = match('/results/:id', path))) return <ResultPage id={Number(p.id)} />;
	if (path === '/inferences') return <InferencesPage />;
	if (path === '/inferences/new') return <NewInferencePage result={query.get('result')} />;
	if ((p = match('/inferences/:id', path))) return <InferencePage id={Number(p.id)} />;
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

export function App() {
	const token = useToken();
	const { path, query } = useLocation();
	const [menuOpen, setMenuOpen] = useState(false);

	useEffect(() => {
		if (path === '/') navigate('/models', true);
		setMenuOpen(false);
	}, [path]);

	if (!token) return <SignInPage />;
	const section = '/' + (path.split('/')[1] ?? '');
	const active = section === '/results' ? '/deployments' : section;

	return (
		<div class="shell">
			<header class="topbar">
				<Link href="/models" class="brand">
					<span class="brand-mark" aria-hidden="true">
						K
					</span>
					Kafka-ML
				</Link>
				<button class="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
					☰ <span class="sr-only">Menu</span>
				</button>
			</header>
			<nav id="nav" class={menuOpen ? 'nav open' : 'nav'} aria-label="Main">
				<ol class="steps">
					{NAV.map(([href, label], i) => (
						<li key={href}>
							<Link href={href} class={active === href ? 'active' : ''}>
								<span class="step-no">{i + 1}</span>
								{label}
							</Link>
						</li>
					))}
				</ol>
				<div class="nav-foot">
					<button class="link-button" onClick={() => setToken(null)}>
						Sign out
					</button>
				</div>
			</nav>
			<main class="content">{route(path, query)}</main>
		</div>
	);
}
