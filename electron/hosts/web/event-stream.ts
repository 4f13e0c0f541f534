import type http from 'node:http';
import type { CoreClient } from '../../core/client/core-client';
import { SECURITY_HEADERS, sendUnauthorized } from './http-util';

export const EVENTS_PATH = '/api/events';
/** A comment line keeps idle connections (and any proxy on the way) from timing out. */
export const HEARTBEAT_MS = 15_000;
/**
 * A tab that stops reading (suspended, stuck) must not make the host buffer events without end:
 * past this many unsent bytes its stream is closed; the renderer reconnects and refetches.
 */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface EventStreams {
  /** GET /api/events: one `data: <CoreEvent JSON>` frame per core event. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, tokenValid: boolean): void;
  /** Open streams (tests, diagnostics). */
  readonly size: number;
  /** Ends every stream (the host is stopping). */
  closeAll(): void;
}

/**
 * Server-Sent Events for the browser host. The token travels in the Authorization header (the
 * renderer reads the stream with fetch, not EventSource, so it never goes in a URL). One
 * subscription to the core client is shared by every open stream.
 */
export function createEventStreams(client: CoreClient, options: { heartbeatMs?: number } = {}): EventStreams {
  const streams = new Set<http.ServerResponse>();
  let unsubscribe: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;

  const broadcast = (frame: string) => {
    for (const res of streams) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  };

  const start = () => {
    unsubscribe ??= client.on((event) => broadcast(`data: ${JSON.stringify(event)}\n\n`));
    if (!heartbeat) {
      heartbeat = setInterval(() => broadcast(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs ?? HEARTBEAT_MS);
      heartbeat.unref();
    }
  };
  const stopIfIdle = () => {
    if (streams.size > 0) return;
    unsubscribe?.();
    unsubscribe = null;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
  };

  return {
    serve(req, res, tokenValid) {
      if (req.method !== 'GET') {
        res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET' }).end();
        return;
      }
      if (!tokenValid) {
        sendUnauthorized(res);
        return;
      }
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      // A first comment gets the headers and a byte of body out now, so fetch() resolves at once.
      res.write(': connected\n\n');
      req.socket.setNoDelay(true);
      req.socket.setTimeout(0);
      streams.add(res);
      start();
      res.on('close', () => {
        streams.delete(res);
        stopIfIdle();
      });
    },
    get size() {
      return streams.size;
    },
    closeAll() {
      for (const res of streams) res.end();
      streams.clear();
      stopIfIdle();
    },
  };
}
