// REST client for /api/v1 (src/control/openapi.json). Every call runs on the browser's main
// thread; there is no shared state besides the token in localStorage.
//
// Errors: the API answers 4xx/5xx with {"error", "detail"}; ApiError keeps
// both as they are so the pages show the server's own words.

const BASE = '/api/v1';
const TOKEN_KEY = 'kafkaml.token';

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

export type TrainingMode = 'batch' | 'incremental' | 'indefinite';

/** How an incremental or indefinite deployment learns and cuts model versions. */
export interface ContinualParameters {
	stream_timeout?: number;
	window_size?: number;
	monitoring_metric?: string;
	change?: 'up' | 'down';
	improvement?: number;
	version_every_records?: number | null;
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
}

export type InferenceStatus = 'deployed' | 'running' | 'stopped' | 'failed';

export interface Inference {
	id: number;
	model_result: number;
	replicas: number;
	input_format: string;
	input_config: Json;
	input_topic: string;
	output_topic: string;
	dead_letter_topic?: string;
	status: InferenceStatus;
	status_changed?: string;
	status_detail?: string;
	/** How often its replicas were restarted after dying, and how the last ended. */
	restarts?: number;
	restart_detail?: string;
	created_at?: string;
	// Live figures, when the server reports them (names tolerated below).
	throughput?: number;
	lag?: number;
	consumer_lag?: number;
	metrics?: { throughput?: number; lag?: number };
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
}

/** A control-topic record that was not taken as a datasource, and why. */
export interface RefusedControlMessage {
	id: number;
	control_message: string;
	deployment: number | null;
	reason: string;
	time: string;
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

/** A body sent as is (a file), not as JSON. */
export class RawBody {
	constructor(readonly data: Blob) {}
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
	const headers: Record<string, string> = { Accept: 'application/json' };
	const token = getToken();
	if (token) headers.Authorization = `Bearer ${token}`;
	if (body !== undefined) headers['Content-Type'] = body instanceof RawBody ? 'application/octet-stream' : 'application/json';
	const payload = body === undefined ? undefined : body instanceof RawBody ? body.data : JSON.stringify(body);
	let response: Response;
	try {
		response = await fetch(BASE + path, { method, headers, body: payload });
	} catch (e) {
		throw new ApiError(0, 'The server cannot be reached', `${e instanceof Error ? e.message : String(e)}. Check that kafkaml is running.`);
	}
	const text = await response.text();
	let parsed: Json | undefined;
	try {
		parsed = text ? (JSON.parse(text) as Json) : undefined;
	} catch {
		parsed = undefined;
	}
	if (!response.ok) {
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof parsed.error === 'string') {
			throw new ApiError(response.status, parsed.error, parsed.detail);
		}
		throw new ApiError(response.status, `${response.status} ${response.statusText}`, text ? text.slice(0, 300) : undefined);
	}
	return parsed as T;
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
	inference: (id: number) => request<Inference>('GET', `/inferences/${id}`),
	createInference: (i: { model_result: number; replicas: number; input_format: string; input_config: Json; input_topic: string; output_topic: string }) =>
		request<Inference & ServerRemarks>('POST', '/inferences', i),
	scaleInference: (id: number, replicas: number) => request<Inference & ServerRemarks>('POST', `/inferences/${id}/scale`, { replicas }),
	stopInference: (id: number) => request<void>('POST', `/inferences/${id}/stop`),
	deleteInference: (id: number) => request<void>('DELETE', `/inferences/${id}`),
	predictionsUrl: (id: number) => `${BASE}/inferences/${id}/predictions/stream`,

	datasources: () => list<Datasource>('/datasources', 'datasources'),
	refusedControlMessages: () => list<RefusedControlMessage>('/datasources/refused', 'refused'),
	sendDatasource: (id: number, deployment: number) => request<Json>('POST', `/datasources/${id}/send`, { deployment }),
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
		const r = await fetch('/metrics');
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
