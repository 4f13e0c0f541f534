/**
 * Server-Sent Events over fetch (not EventSource, so the token goes in the Authorization header,
 * never in a URL). `SseParser` turns the byte stream into messages; `followEventStream` keeps one
 * connection open, reconnecting with backoff, and stops for good on 401.
 */

/** Incremental parser for `text/event-stream` (WHATWG HTML §9.2): feed text, get each message's data. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds decoded text; returns the data of every message completed by it. */
  push(text: string): string[] {
    this.buffer += text;
    const out: string[] = [];
    // Lines end in \r\n, \n or \r; a trailing lone \r may be the first half of \r\n, so wait for more.
    let start = 0;
    for (;;) {
      const match = /\r\n|\n|\r/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      if (!found) break;
      if (found[0] === '\r' && found.index === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, found.index), out);
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line === '') {
      if (this.data.length) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return; // comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    // `event`, `id` and `retry` are not used by the browser host.
  }
}

export type StreamState = 'connecting' | 'open' | 'unreachable' | 'unauthorized' | 'stopped';

export interface FollowOptions {
  url: string;
  /** Read at every (re)connect, so a changed token is picked up. */
  token: () => string;
  onMessage: (data: string) => void;
  onState: (state: StreamState) => void;
  /** Called when the stream opens again after having been open: events may have been missed. */
  onReopen: () => void;
  fetch?: typeof fetch;
  /** Delay before reconnect attempt `n` (1-based); default 0.5 s doubling up to 15 s, with jitter. */
  backoffMs?: (attempt: number) => number;
}

const defaultBackoff = (attempt: number) => Math.min(15_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);

/** Follows the event stream until `stop()`; never throws. */
export function followEventStream(options: FollowOptions): { stop(): void } {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const backoff = options.backoffMs ?? defaultBackoff;
  const controller = new AbortController();
  let stopped = false;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    let attempt = 0;
    let everOpen = false;
    while (!stopped) {
      options.onState(everOpen || attempt > 0 ? 'unreachable' : 'connecting');
      try {
        const response = await doFetch(options.url, {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${options.token()}` },
          cache: 'no-store',
          signal: controller.signal,
        });
        if (response.status === 401) {
          options.onState('unauthorized');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        options.onState('open');
        if (everOpen) options.onReopen();
        everOpen = true;
        attempt = 0;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        const parser = new SseParser();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const data of parser.push(decoder.decode(value, { stream: true }))) {
            try {
              options.onMessage(data);
            } catch {
              /* one bad message or listener must not drop the stream */
            }
          }
        }
      } catch {
        /* network error or aborted: reconnect below unless stopped */
      }
      if (stopped) break;
      attempt++;
      options.onState('unreachable');
      await sleep(backoff(attempt));
    }
    options.onState('stopped');
  };
  void run();

  return {
    stop() {
      stopped = true;
      controller.abort();
      wake?.();
    },
  };
}
