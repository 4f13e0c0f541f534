import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEM_TYPE_PREFIX } from '../../shared/gateway-protocol/v1';

/**
 * A fault-injecting HTTP proxy on 127.0.0.1 for sync fault tests: put it in front of the reference
 * gateway, point the client at `proxy.url`, and add rules. Each request is read in full, matched
 * against the rules (every rule whose method/path match counts it; the first one whose `nth`
 * condition holds acts), then forwarded or not as the action says. Requests that match no rule
 * pass through unchanged.
 */

export interface ProxiedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type FaultAction =
  /** Forward, wait for the upstream answer (the write committed), then cut the client's connection. */
  | { kind: 'dropResponseAfterCommit' }
  /** Never forward; hold the request until the client gives up, then discard it. */
  | { kind: 'timeoutBeforeCommit' }
  /** Answer `code` with a problem body, without forwarding ('before') or after forwarding and discarding the real answer ('after'). */
  | { kind: 'status'; code: number; when: 'before' | 'after'; retryAfter?: string }
  /** Answer 429 with this Retry-After (delta-seconds or an HTTP-date), without forwarding. */
  | { kind: 'status429'; retryAfter: string }
  /** Forward the same request twice concurrently; the client gets the answer to the first copy. */
  | { kind: 'duplicateDelivery' }
  /** Wait, then forward normally. */
  | { kind: 'delay'; ms: number }
  /** Run the hook (e.g. edit the remote behind the client's back), then forward normally. */
  | { kind: 'beforeForward'; hook: (req: ProxiedRequest) => void | Promise<void> };

type ActionName = 'dropResponseAfterCommit' | 'timeoutBeforeCommit' | 'duplicateDelivery';

export interface FaultRule {
  /** e.g. 'PUT'; any method when absent. */
  method?: string;
  /** Tested against the path and query; any path when absent. */
  path?: RegExp;
  /** Act on the nth matching request only (1-based); on every match when absent. */
  nth?: number;
  action: FaultAction | ActionName;
}

/** Builders for the actions, so rules read like the fault table: `{ path: /keys/, action: fault.status(503, 'after') }`. */
export const fault = {
  dropResponseAfterCommit: (): FaultAction => ({ kind: 'dropResponseAfterCommit' }),
  timeoutBeforeCommit: (): FaultAction => ({ kind: 'timeoutBeforeCommit' }),
  status: (code: number, when: 'before' | 'after', retryAfter?: string | number | Date): FaultAction => ({
    kind: 'status',
    code,
    when,
    ...(retryAfter === undefined ? {} : { retryAfter: retryAfterValue(retryAfter) }),
  }),
  status429: (retryAfter: string | number | Date): FaultAction => ({ kind: 'status429', retryAfter: retryAfterValue(retryAfter) }),
  duplicateDelivery: (): FaultAction => ({ kind: 'duplicateDelivery' }),
  delay: (ms: number): FaultAction => ({ kind: 'delay', ms }),
  beforeForward: (hook: (req: ProxiedRequest) => void | Promise<void>): FaultAction => ({ kind: 'beforeForward', hook }),
};

function retryAfterValue(value: string | number | Date): string {
  return value instanceof Date ? value.toUTCString() : String(value);
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  /** What the client got; null while pending, or when it got no answer (dropped / abandoned). */
  status: number | null;
  /** True when the request reached the upstream at least once. */
  forwarded: boolean;
  /** Status of each upstream delivery (two for duplicateDelivery). */
  upstreamStatuses: number[];
  /** The action applied, or null when the request passed through. */
  action: FaultAction['kind'] | null;
  outcome: 'pending' | 'answered' | 'dropped' | 'abandoned' | 'upstream-error';
}

export interface FaultyProxy {
  url: string;
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** Every request, in arrival order (entries are updated as requests finish). */
  log: ProxyLogEntry[];
  /** How many mutating requests (PUT/POST/PATCH/DELETE) reached the upstream, each duplicate counted. */
  forwardedWrites(): number;
  close(): Promise<void>;
}

const MUTATING = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy-authorization', 'te', 'trailer']);
const MAX_BODY = 16 * 1024 * 1024;

const SLUG_BY_STATUS: Record<number, string> = { 429: 'rate-limited', 500: 'internal', 502: 'unavailable', 503: 'unavailable', 504: 'unavailable' };

interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function readAll(stream: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) stream.destroy(new Error('body too large for the faulty proxy'));
      else chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.complete) reject(new Error('aborted'));
    });
  });
}

export async function startFaultyProxy(options: { target: string }): Promise<FaultyProxy> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true });
  const rules: { rule: FaultRule; matches: number }[] = [];
  const log: ProxyLogEntry[] = [];
  const held = new Set<http.ServerResponse>();
  let writes = 0;

  function choose(method: string, path: string): FaultAction | null {
    let chosen: FaultAction | null = null;
    for (const entry of rules) {
      if (entry.rule.method && entry.rule.method.toUpperCase() !== method) continue;
      if (entry.rule.path) {
        entry.rule.path.lastIndex = 0;
        if (!entry.rule.path.test(path)) continue;
      }
      entry.matches++;
      if (!chosen && (entry.rule.nth === undefined || entry.rule.nth === entry.matches)) {
        const action = entry.rule.action;
        chosen = typeof action === 'string' ? { kind: action } : action;
      }
    }
    return chosen;
  }

  function forward(req: ProxiedRequest, entry: ProxyLogEntry): Promise<UpstreamAnswer> {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    headers.host = target.host;
    headers['content-length'] = String(req.body.length);
    if (MUTATING.has(req.method)) writes++;
    entry.forwarded = true;
    return new Promise((resolve, reject) => {
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.path, headers, agent }, (answer) => {
        readAll(answer, MAX_BODY).then((body) => {
          entry.upstreamStatuses.push(answer.statusCode ?? 0);
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body });
        }, reject);
      });
      upstream.once('error', reject);
      upstream.end(req.body);
    });
  }

  function reply(res: http.ServerResponse, entry: ProxyLogEntry, answer: UpstreamAnswer): void {
    if (res.destroyed) {
      entry.outcome = 'abandoned';
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    if (answer.status !== 204 && answer.status !== 304) headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers);
    res.end(answer.status === 204 ? undefined : answer.body);
    entry.status = answer.status;
    entry.outcome = 'answered';
  }

  function injected(code: number, retryAfter?: string): UpstreamAnswer {
    const slug = SLUG_BY_STATUS[code] ?? 'internal';
    const body = Buffer.from(JSON.stringify({ type: PROBLEM_TYPE_PREFIX + slug, title: `Injected ${code}`, status: code, detail: 'Injected by the faulty proxy' }));
    const headers: http.IncomingHttpHeaders = { 'content-type': 'application/problem+json' };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    return { status: code, headers, body };
  }

  async function handle(clientReq: http.IncomingMessage, res: http.ServerResponse, entry: ProxyLogEntry): Promise<void> {
    const { method, path } = entry;
    const body = await readAll(clientReq, MAX_BODY);
    const req: ProxiedRequest = { method, path, headers: clientReq.headers, body };
    const action = choose(method, path);
    entry.action = action?.kind ?? null;

    switch (action?.kind) {
      case undefined:
        return reply(res, entry, await forward(req, entry));
      case 'dropResponseAfterCommit':
        await forward(req, entry);
        entry.outcome = 'dropped';
        res.destroy();
        clientReq.socket.destroy();
        return;
      case 'timeoutBeforeCommit':
        held.add(res);
        await new Promise<void>((resolve) => {
          if (res.destroyed) resolve();
          else res.once('close', () => resolve());
        });
        held.delete(res);
        entry.outcome = 'abandoned';
        return;
      case 'status':
        if (action.when === 'after') await forward(req, entry);
        return reply(res, entry, injected(action.code, action.retryAfter));
      case 'status429':
        return reply(res, entry, injected(429, action.retryAfter));
      case 'duplicateDelivery': {
        // The client gets the answer to its own (first) copy; the ghost copy's answer is discarded.
        const [own, ghost] = [forward(req, entry), forward(req, entry)];
        ghost.catch(() => {});
        return reply(res, entry, await own.catch(() => ghost));
      }
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, action.ms));
        return reply(res, entry, await forward(req, entry));
      case 'beforeForward':
        await action.hook(req);
        return reply(res, entry, await forward(req, entry));
    }
  }

  const server = http.createServer((clientReq, res) => {
    const entry: ProxyLogEntry = {
      method: (clientReq.method ?? 'GET').toUpperCase(),
      path: clientReq.url ?? '/',
      status: null,
      forwarded: false,
      upstreamStatuses: [],
      action: null,
      outcome: 'pending',
    };
    log.push(entry);
    handle(clientReq, res, entry).catch(() => {
      // The client went away while sending, or the upstream failed / was unreachable (502).
      if (res.destroyed) {
        entry.outcome = 'abandoned';
        return;
      }
      entry.outcome = 'upstream-error';
      if (!res.headersSent) {
        const answer = injected(502);
        res.writeHead(502, { 'content-type': 'application/problem+json', 'content-length': String(answer.body.length) });
        res.end(answer.body);
        entry.status = 502;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    addRule: (rule) => void rules.push({ rule, matches: 0 }),
    clearRules: () => void rules.splice(0),
    log,
    forwardedWrites: () => writes,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => {
          agent.destroy();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
