// REST client for /api/v1 (src/api/openapi.json). Every call runs on the browser's main
// thread; there is no shared state besides the token in localStorage.
//
// Errors: the API answers 4xx/5xx with {"error", "detail"}; ApiError keeps
// both as they are so the pages show the server's own words. A 401 on a
// call made with the stored token (expired, revoked) ends the session: the
// token is dropped and the sign-in page shows the server's message. A 403
// (role too low) is an ordinary error, shown where the action was tried.

const BASE = '/api/v1';
const TOKEN_KEY = 'kafkaml.token';
const ENDED_KEY = 'kafkaml.session-ended';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Metrics = Record<string, number | Json>;

export interface Model {
	id: number;
	name: string;
	description: string;
	imports: string;
	code: string;
	/** keras: `code` is the definition; pytorch: `code` is compile()'s arguments, the network an uploaded module. */
	framework?: 'keras' | 'pytorch';
	created_at?: string;
	/** Bytes of the uploaded TorchScript module (pytorch); null when none. */
	module_size?: number | null;
	/** Bytes of the uploaded Keras weights file of a keras.applications base (keras); null when none. */
	weights_size?: number | null;
	/** A sub-model of the original's distributed models (its first output feeds its upper model). */
	distributed?: boolean;
	/** Its upper model's id; null at the top of a chain. */
	father?: number | null;
}

export interface Configuration {
	id: number;
	name: string;
	description: string;
	ml_models: number[];
	created_at?: string;
}

export type ResultStatus = 'created' | 'deployed' | 'running' | 'finished' | 'stopped' | 'failed';

export interface EpochMetrics {
	epoch: number;
	metrics: Metrics;
	time?: string;
}

export interface Result {
	id: number;
	deployment: number;
	model: number;
	status: ResultStatus;
	status_changed?: string;
	status_detail?: string;
	train_metrics: Metrics;
	val_metrics: Metrics;
	test_metrics: Metrics;
	training_time?: number | null;
	epochs?: EpochMetrics[];
	/** All the epochs the result has, whichever of them `epochs` holds. */
	epoch_count?: number;
	trained_model?: string | null;
	trained_model_size?: number | null;
	/** How often the job was restarted after dying, and how it last ended. */
	restarts?: number;
	restart_detail?: string;
	created_at?: string;
	/** GET results/{id} only: the drifts of a continual training, by records. */
	drifts?: ResultDrift[];
	/** A model with several outputs (early exits), once trained: each exit's figures; null for others. */
	exits?: ResultExit[] | null;
}

/** One exit of a trained early-exit model: its metrics and, per confidence threshold, what it would answer. */
export interface ResultExit {
	index: number;
	name?: string;
	metrics: Record<string, number>;
	/** By the top-class probability: the share of validation inputs it answers at that threshold, and its accuracy on them (null: none). */
	thresholds: ExitThreshold[];
	/** The same table by each confidence rule, every stage using that rule. */
	thresholds_by_confidence?: Partial<Record<ConfidenceRule, ExitThreshold[]>>;
}

export interface ExitThreshold {
	threshold: number;
	count?: number;
	share: number;
	accuracy: number | null;
}

/** A model version a continual training cut (GET results/{id}/versions). */
export interface ResultVersion {
	result: number;
	version: number;
	created_at: string;
	records: number;
	metrics: Record<string, Json>;
	size: number;
}

/** A drift the detector of a continual training found (GET results/{id}: drifts). */
export interface ResultDrift {
	records: number;
	created_at: string;
	error_before: number;
	error_after: number;
	measure: string;
	response: DriftResponse;
}

export type DriftResponse = 'none' | 'reset_optimizer' | 'boost_learning_rate';

export type TrainingMode = 'batch' | 'incremental' | 'indefinite';

/** Whether a deployment's results learn from a stream and cut model versions. */
export function isContinual(mode: TrainingMode | undefined): boolean {
	return mode === 'incremental' || mode === 'indefinite';
}

/** How an incremental or indefinite deployment learns and cuts model versions. */
export interface ContinualParameters {
	stream_timeout?: number;
	window_size?: number;
	monitoring_metric?: string;
	change?: 'up' | 'down';
	improvement?: number;
	version_every_records?: number | null;
	drift_detection?: boolean;
	drift_threshold?: number;
	drift_delta?: number;
	drift_response?: DriftResponse;
}

/** CPU and memory limits of each container (Docker executor); {} when none. */
export interface Resources {
	cpu?: number;
	/** As written: bytes, or "512Mi", "2Gi". */
	memory?: string | number;
}

export interface Deployment extends ContinualParameters {
	id: number;
	configuration: number;
	batch: number;
	kwargs_fit: Json;
	kwargs_val: Json;
	mode?: TrainingMode;
	created_at?: string;
	results?: Result[];
	/** The limits of each of its training jobs' containers. */
	resources?: Resources;
}

export type InferenceStatus = 'deployed' | 'running' | 'stopped' | 'failed';

/** What an inference serves: its result's newest version, or one version (a continual result). */
export type ModelVersion = 'latest' | number;

/** A replica that reported in the last seconds (GET inferences/{id}: live_replicas). */
export interface LiveReplica {
	replica: string;
	/** The version it serves; null while it serves none (yet), or a batch result's model. */
	model_version: number | null;
	predictions_per_second: number;
	consumer_lag: number | null;
	seconds_since_report: number;
}

/** GET/POST inferences/{id}/version: what the replicas are to serve. */
export interface InferenceServing {
	inference: number;
	model_result: number;
	model_version: ModelVersion | null;
	/** The version that is resolved to; null while a continual result has none yet. */
	version: number | null;
	ready: boolean;
}

export interface Inference {
	id: number;
	model_result: number;
	replicas: number;
	input_format: string;
	input_config: Json;
	input_topic: string;
	output_topic: string;
	dead_letter_topic?: string;
	/** The Kafka cluster of the input topic: a configured cluster's name ("default": the server's own) or a bootstrap list. */
	input_kafka_broker?: string;
	/** The Kafka cluster of the output and dead-letter topics, as input_kafka_broker. */
	output_kafka_broker?: string;
	status: InferenceStatus;
	status_changed?: string;
	status_detail?: string;
	/** How often its replicas were restarted after dying, and how the last ended. */
	restarts?: number;
	restart_detail?: string;
	created_at?: string;
	/** null: a batch result's trained model; else "latest" or a pinned version. */
	model_version?: ModelVersion | null;
	/** The limits of each replica's container. */
	resources?: Resources;
	/** GET inferences/{id} only. */
	live_replicas?: LiveReplica[];
	// Live figures, when the server reports them (names tolerated below).
	throughput?: number;
	lag?: number;
	consumer_lag?: number;
	metrics?: { throughput?: number; lag?: number };
	/** The stages of an early-exit chain; empty: the model is served whole. */
	exits?: InferenceExit[];
	/** GET inferences/{id} of a chain: each stage's figures. */
	stages?: InferenceStageFigures[];
}

/** A stage of an early-exit chain as stored. */
export interface InferenceExit {
	exit: number;
	/** Ignored on the last stage, which answers every input that reaches it. */
	threshold: number;
	confidence?: string;
	replicas: number;
	input_topic?: string;
	bootstrap_servers?: string;
}

/** A stage's figures from its live replicas. */
export interface InferenceStageFigures {
	exit: number;
	live_replicas: number;
	inputs_per_second: number;
	consumer_lag: number | null;
	answered_total: number;
	forwarded_total: number;
	answered_share: number | null;
}

/** A stage of POST inferences' `exits`: input_topic and bootstrap_servers left out take the defaults. */
/** How an exit's confidence is measured (the server's default: top_probability). */
export type ConfidenceRule = 'top_probability' | 'margin' | 'entropy';

export interface InferenceExitInput {
	threshold?: number;
	confidence?: ConfidenceRule;
	replicas: number;
	input_topic?: string;
	bootstrap_servers?: string;
}

/** The body of POST inferences: model_version only for a continual result ("latest" when left out). */
export type InferenceRequest = Pick<Inference, 'model_result' | 'replicas' | 'input_format' | 'input_config' | 'input_topic' | 'output_topic'> & {
	model_version?: ModelVersion;
	input_kafka_broker?: string;
	output_kafka_broker?: string;
	resources?: Resources;
	exits?: InferenceExitInput[];
};

/** A Kafka cluster the server configures, as GET /clusters shows it (never its credentials). */
export interface KafkaCluster {
	name: string;
	bootstrap_servers: string | null;
	security_protocol: string | null;
	sasl_mechanism: string | null;
}

/** What the server says beside a created or scaled inference: what it did for it, and what looks wrong. */
export interface ServerRemarks {
	notes?: string[];
	warnings?: string[];
}

export interface Datasource {
	id: number;
	deployment: number;
	topic: string;
	input_format: string;
	input_config: Json;
	description: string;
	validation_rate: number;
	test_rate: number;
	total_msg: number;
	time?: string;
	/** When its records were deleted from the log; null while they are there. */
	records_deleted_at?: string | null;
}

/** What DELETE datasources/{id}/records did. */
export interface DeletedRecords {
	datasource: Datasource;
	partitions: { topic: string; partition: number; before: number; log_start_offset: number }[];
	also_deleted: number[];
}

/** A control-topic record that was not taken as a datasource, and why. */
export interface RefusedControlMessage {
	id: number;
	control_message: string;
	deployment: number | null;
	reason: string;
	time: string;
}

export type Role = 'viewer' | 'operator' | 'admin';

export interface UserRef {
	id: number;
	name: string;
	role: Role;
}

/** GET whoami: who the token belongs to, and the token itself. */
export interface WhoAmI {
	user: UserRef;
	token: { id: number | null; name: string; expires_at: string | null };
}

export interface User extends UserRef {
	created_at: string;
	/** How many live tokens (not revoked, not expired) the user has. */
	tokens: number;
}

export interface Token {
	id: number;
	name: string;
	user: UserRef;
	created_at: string;
	expires_at: string | null;
	last_used_at: string | null;
	revoked_at: string | null;
}

/** POST tokens' answer: the token's secret comes this once. */
export interface NewToken extends Token {
	token: string;
}

export interface AuditEntry {
	id: number;
	at: string;
	/** The user's name; null for a call without a valid token. */
	user: string | null;
	token_id: number | null;
	method: string;
	path: string;
	status: number;
	remote_address: string;
}

export interface AuditPage {
	entries: AuditEntry[];
	next_before: number | null;
}

/** An error answer of the API, or a network failure (status 0). */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly detail: Json | undefined,
	) {
		const extra = extraDetail(error, detail);
		super(extra ? `${error}: ${extra}` : error);
	}
}

/** The detail as the server wrote it: its `message` if it has one, else the JSON. */
export function detailText(detail: Json | undefined): string {
	if (detail === undefined || detail === null) return '';
	if (typeof detail === 'string') return detail;
	if (typeof detail === 'object' && !Array.isArray(detail) && typeof detail.message === 'string') return detail.message;
	return JSON.stringify(detail);
}

/** What the detail says beyond the error ('' when the error already says it, e.g. a validation message). */
export function extraDetail(error: string, detail: Json | undefined): string {
	const text = detailText(detail);
	return error.includes(text) ? '' : text;
}

/** Where in the model code an error lies, from a 400's detail (object or text). */
export function errorPosition(detail: Json | undefined): { line: number; column: number; message: string } | null {
	if (detail && typeof detail === 'object' && !Array.isArray(detail) && typeof detail.line === 'number') {
		const column = typeof detail.column === 'number' ? detail.column : 1;
		const message = typeof detail.message === 'string' ? detail.message : detailText(detail);
		return { line: detail.line, column, message };
	}
	const text = detailText(detail);
	const m = /line\s+(\d+)(?:\s*[,:]?\s*(?:col(?:umn)?\s*)?(\d+))?/i.exec(text) ?? /^(?:[^\s:]*:)?(\d+):(\d+)/.exec(text);
	if (!m) return null;
	return { line: Number(m[1]), column: m[2] ? Number(m[2]) : 1, message: text };
}

export function getToken(): string | null {
	return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
	if (token) localStorage.setItem(TOKEN_KEY, token);
	else localStorage.removeItem(TOKEN_KEY);
	window.dispatchEvent(new Event('kafkaml-token'));
}

/** Why the last session ended (the server's 401 message), for the sign-in page; read once. */
export function takeSessionEnded(): string | null {
	const message = sessionStorage.getItem(ENDED_KEY);
	sessionStorage.removeItem(ENDED_KEY);
	return message;
}

/** Signs out; `reason` (the server's words) is shown on the sign-in page. */
export function signOut(reason?: string): void {
	if (reason) sessionStorage.setItem(ENDED_KEY, reason);
	else sessionStorage.removeItem(ENDED_KEY);
	setToken(null);
}

/**
 * fetch() with the stored token as `Authorization: Bearer`. A 401 to it
 * ends the session (with the server's message) unless the token changed
 * meanwhile; the caller still gets the response.
 */
export async function authFetch(url: string, init: RequestInit = {}, token = getToken()): Promise<Response> {
	const headers = new Headers(init.headers);
	if (token) headers.set('Authorization', `Bearer ${token}`);
	const response = await fetch(url, { ...init, headers });
	if (response.status === 401 && token && token === getToken()) {
		signOut(await refusal(response.clone()));
	}
	return response;
}

/** The message of a 401's body ({"error", "detail"}), else its status line. */
async function refusal(response: Response): Promise<string> {
	try {
		const body = (await response.json()) as Json;
		if (body && typeof body === 'object' && !Array.isArray(body) && typeof body.error === 'string') {
			const extra = extraDetail(body.error, body.detail);
			return extra ? `${body.error}: ${extra}` : body.error;
		}
	} catch {
		// not JSON: the status says it
	}
	return `${response.status} ${response.statusText || 'Unauthorized'}`;
}

/** Saves the file at an API URL (a model download), sending the token; throws ApiError. */
export async function download(url: string, filename: string): Promise<void> {
	const response = await authFetch(url);
	if (!response.ok) throw await errorOf(response);
	const href = URL.createObjectURL(await response.blob());
	const a = document.createElement('a');
	a.href = href;
	a.download = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? filename;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/** The ApiError of a refused response: its {"error", "detail"}, else its status and text. */
async function errorOf(response: Response): Promise<ApiError> {
	const text = await response.text();
	let parsed: Json | undefined;
	try {
		parsed = text ? (JSON.parse(text) as Json) : undefined;
	} catch {
		parsed = undefined;
	}
	if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof parsed.error === 'string') {
		return new ApiError(response.status, parsed.error, parsed.detail);
	}
	return new ApiError(response.status, `${response.status} ${response.statusText}`, text ? text.slice(0, 300) : undefined);
}

/** A body sent as is (a file), not as JSON. */
export class RawBody {
	constructor(readonly data: Blob) {}
}

/** A call to the API; `token` overrides the stored one (the sign-in page tries a token before keeping it). */
async function request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
	const headers: Record<string, string> = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = body instanceof RawBody ? 'application/octet-stream' : 'application/json';
	const payload = body === undefined ? undefined : body instanceof RawBody ? body.data : JSON.stringify(body);
	let response: Response;
	try {
		response = await authFetch(BASE + path, { method, headers, body: payload }, token ?? getToken());
	} catch (e) {
		throw new ApiError(0, 'The server cannot be reached', `${e instanceof Error ? e.message : String(e)}. Check that kafkaml is running.`);
	}
	if (!response.ok) throw await errorOf(response);
	const text = await response.text();
	try {
		return (text ? JSON.parse(text) : undefined) as T;
	} catch {
		return undefined as T;
	}
}

/** Lists may come bare or wrapped ({"items": [...]} / {"<name>": [...]}). */
function list<T>(path: string, key: string): Promise<T[]> {
	return request<Json>('GET', path).then((v) => {
		if (Array.isArray(v)) return v as unknown as T[];
		if (v && typeof v === 'object') {
			const inner = (v as Record<string, Json>)[key] ?? (v as Record<string, Json>).items;
			if (Array.isArray(inner)) return inner as unknown as T[];
		}
		return [];
	});
}

export const api = {
	/** Who `token` (default: the stored one) belongs to. */
	whoami: (token?: string) => request<WhoAmI>('GET', '/whoami', undefined, token),

	users: () => list<User>('/users', 'users'),
	createUser: (u: { name: string; role: Role }) => request<User>('POST', '/users', u),
	setUserRole: (id: number, role: Role) => request<User>('PUT', `/users/${id}`, { role }),
	deleteUser: (id: number) => request<void>('DELETE', `/users/${id}`),

	tokens: () => list<Token>('/tokens', 'tokens'),
	/** `expires_in_days` null: the token never expires. */
	createToken: (t: { user_id: number; name: string; expires_in_days: number | null }) =>
		request<NewToken>('POST', '/tokens', t.expires_in_days === null ? { user_id: t.user_id, name: t.name, expires_at: null } : t),
	revokeToken: (id: number) => request<void>('DELETE', `/tokens/${id}`),

	audit: (before: number | null, limit = 100) =>
		request<AuditPage>('GET', before === null ? `/audit?limit=${limit}` : `/audit?limit=${limit}&before=${before}`),

	models: () => list<Model>('/models', 'models'),
	uploadModule: (id: number, file: Blob) => request<Model>('PUT', `/models/${id}/module`, new RawBody(file)),
	uploadWeights: (id: number, file: Blob) => request<Model>('PUT', `/models/${id}/weights`, new RawBody(file)),
	model: (id: number) => request<Model>('GET', `/models/${id}`),
	createModel: (m: Omit<Model, 'id'>) => request<Model>('POST', '/models', m),
	updateModel: (id: number, m: Omit<Model, 'id'>) => request<Model>('PUT', `/models/${id}`, m),
	deleteModel: (id: number) => request<void>('DELETE', `/models/${id}`),

	configurations: () => list<Configuration>('/configurations', 'configurations'),
	configuration: (id: number) => request<Configuration>('GET', `/configurations/${id}`),
	createConfiguration: (c: Omit<Configuration, 'id'>) => request<Configuration>('POST', '/configurations', c),
	deleteConfiguration: (id: number) => request<void>('DELETE', `/configurations/${id}`),

	deployments: () => list<Deployment>('/deployments', 'deployments'),
	deployment: (id: number) => request<Deployment>('GET', `/deployments/${id}`),
	createDeployment: (
		d: {
			configuration: number;
			batch: number;
			kwargs_fit: Json;
			kwargs_val: Json;
			validation_rate?: number;
			test_rate?: number;
			mode?: TrainingMode;
			resources?: Resources;
		} & ContinualParameters,
	) => request<Deployment>('POST', '/deployments', d),
	stopDeployment: (id: number) => request<void>('POST', `/deployments/${id}/stop`),
	deleteDeployment: (id: number) => request<void>('DELETE', `/deployments/${id}`),

	results: (deployment?: number) => list<Result>(deployment === undefined ? '/results' : `/results?deployment=${deployment}`, 'results'),
	result: (id: number) => request<Result>('GET', `/results/${id}`),
	/** The result with only the epochs after `epoch`, or none of them. */
	resultSince: (id: number, epoch: number | 'none') =>
		request<Result>('GET', epoch === 'none' ? `/results/${id}?epochs=none` : `/results/${id}?since_epoch=${epoch}`),
	stopResult: (id: number) => request<void>('POST', `/results/${id}/stop`),
	deleteResult: (id: number) => request<void>('DELETE', `/results/${id}`),
	modelDownloadUrl: (id: number, format: 'kafkaml' | 'pytorch' = 'kafkaml') => `${BASE}/results/${id}/model?format=${format}`,
	resultVersions: (id: number) => list<ResultVersion>(`/results/${id}/versions`, 'versions'),
	versionDownloadUrl: (id: number, version: number, format: 'kafkaml' | 'pytorch' = 'kafkaml') =>
		`${BASE}/results/${id}/versions/${version}/model?format=${format}`,

	inferences: () => list<Inference>('/inferences', 'inferences'),
	clusters: () => list<KafkaCluster>('/clusters', 'clusters'),
	inference: (id: number) => request<Inference>('GET', `/inferences/${id}`),
	createInference: (i: InferenceRequest) => request<Inference & ServerRemarks>('POST', '/inferences', i),
	inferenceServing: (id: number) => request<InferenceServing>('GET', `/inferences/${id}/version`),
	/** Pins a version, or follows the newest again ("latest"). */
	setInferenceVersion: (id: number, model_version: ModelVersion) => request<InferenceServing>('POST', `/inferences/${id}/version`, { model_version }),
	scaleInference: (id: number, replicas: number) => request<Inference & ServerRemarks>('POST', `/inferences/${id}/scale`, { replicas }),
	/** Changes the thresholds of a chain's stages, one per stage in order (the last is ignored). */
	setInferenceExits: (id: number, thresholds: number[]) => request<Inference>('POST', `/inferences/${id}/exits`, { thresholds }),
	stopInference: (id: number) => request<void>('POST', `/inferences/${id}/stop`),
	deleteInference: (id: number) => request<void>('DELETE', `/inferences/${id}`),
	predictionsUrl: (id: number) => `${BASE}/inferences/${id}/predictions/stream`,

	datasources: () => list<Datasource>('/datasources', 'datasources'),
	refusedControlMessages: () => list<RefusedControlMessage>('/datasources/refused', 'refused'),
	sendDatasource: (id: number, deployment: number) => request<Json>('POST', `/datasources/${id}/send`, { deployment }),
	deleteDatasource: (id: number) => request<void>('DELETE', `/datasources/${id}`),
	deleteDatasourceRecords: (id: number, includeEarlier: boolean) =>
		request<DeletedRecords>('DELETE', `/datasources/${id}/records${includeEarlier ? '?include_earlier=true' : ''}`),
};

export function inferenceThroughput(i: Inference): number | undefined {
	return i.throughput ?? i.metrics?.throughput;
}

export function inferenceLag(i: Inference): number | undefined {
	return i.lag ?? i.consumer_lag ?? i.metrics?.lag;
}

/**
 * Live throughput (sum over replicas) and consumer lag per inference, read
 * from the server's Prometheus text at /metrics (kafkaml_inference_throughput,
 * kafkaml_inference_consumer_lag). Empty when the server has no such figures.
 */
export async function inferenceFigures(): Promise<Map<number, { throughput?: number; lag?: number }>> {
	const out = new Map<number, { throughput?: number; lag?: number }>();
	let text = '';
	try {
		const r = await authFetch('/metrics');
		if (!r.ok) return out;
		text = await r.text();
	} catch {
		return out;
	}
	const line = /^(kafkaml_inference_throughput|kafkaml_inference_consumer_lag)\{([^}]*)\}\s+(\S+)/gm;
	for (let m = line.exec(text); m; m = line.exec(text)) {
		const id = Number(/inference="(\d+)"/.exec(m[2])?.[1]);
		const value = Number(m[3]);
		if (!Number.isFinite(id) || !Number.isFinite(value)) continue;
		const f = out.get(id) ?? {};
		if (m[1] === 'kafkaml_inference_throughput') f.throughput = (f.throughput ?? 0) + value;
		else f.lag = value;
		out.set(id, f);
	}
	return out;
}

/** The inferences with their live figures merged in. */
export async function inferencesWithFigures(): Promise<Inference[]> {
	const [list, figures] = await Promise.all([api.inferences(), inferenceFigures()]);
	return list.map((i) => ({ ...i, ...figures.get(i.id) }));
}

export async function inferenceWithFigures(id: number): Promise<Inference> {
	const [i, figures] = await Promise.all([api.inference(id), inferenceFigures()]);
	return { ...i, ...figures.get(id) };
}
