// Server-sent events over fetch(): EventSource cannot send the token, so
// the stream is read from fetch()'s body and parsed here as the HTML
// standard's event-stream format says (fields data, event, id, retry;
// comments; a blank line dispatches). Main thread only.
import { authFetch } from '../../api';

/** One dispatched event: its type ('message' unless named) and its data lines joined by \n. */
export interface StreamEvent {
	type: string;
	data: string;
}

/** Parses event-stream text fed in arbitrary chunks. */
export class EventStreamParser {
	private pending = '';
	private data: string[] = [];
	private type = '';
	/** The server's reconnection delay (retry field), ms. */
	retry = 3000;

	/** The events completed by `chunk`. */
	push(chunk: string): StreamEvent[] {
		const out: StreamEvent[] = [];
		this.pending += chunk;
		// A trailing \r may be the first half of \r\n: keep it for the next chunk.
		const lines = this.pending.split(/\r\n|\r(?!$)|\n/);
		this.pending = lines.pop() ?? '';
		for (const line of lines) {
			if (line === '') {
				if (this.data.length) out.push({ type: this.type || 'message', data: this.data.join('\n') });
				this.data = [];
				this.type = '';
				continue;
			}
			if (line.startsWith(':')) continue;
			const colon = line.indexOf(':');
			const field = colon < 0 ? line : line.slice(0, colon);
			let value = colon < 0 ? '' : line.slice(colon + 1);
			if (value.startsWith(' ')) value = value.slice(1);
			if (field === 'data') this.data.push(value);
			else if (field === 'event') this.type = value;
			else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
		}
		return out;
	}
}

export type StreamState = 'connecting' | 'open' | 'unavailable';

/**
 * Follows the event stream at `url` with the token until `signal` aborts:
 * reconnects after the server's retry delay when the connection fails or
 * ends; a 404 (no stream on this server) stops for good. A 401 ends the
 * session (authFetch), which also stops here.
 */
export async function followEvents(url: string, signal: AbortSignal, onState: (state: StreamState) => void, onMessage: (data: string) => void): Promise<void> {
	const parser = new EventStreamParser();
	while (!signal.aborted) {
		try {
			const response = await authFetch(url, { headers: { Accept: 'text/event-stream' }, signal, cache: 'no-store' });
			if (response.status === 404) {
				onState('unavailable');
				return;
			}
			if (response.status === 401) return;
			if (response.ok && response.body) {
				onState('open');
				const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					for (const event of parser.push(value)) if (event.type === 'message') onMessage(event.data);
				}
			}
		} catch {
			// refused, dropped or aborted: reconnect below unless aborted
		}
		if (signal.aborted) return;
		onState('connecting');
		await new Promise((resolve) => setTimeout(resolve, parser.retry));
	}
}
