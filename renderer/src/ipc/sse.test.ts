import { describe, expect, it } from 'vitest';
import { followEventStream, SseParser, type StreamState } from './sse';

describe('SseParser', () => {
  it('yields the data of each message, across any split of the byte stream, and skips comments', () => {
    const text = ': connected\n\ndata: {"a":1}\n\n: heartbeat 1\n\ndata: {"b":2}\r\n\r\ndata: line one\ndata: line two\n\nevent: x\ndata:no-space\r\rdata: last\n\n';
    const expected = ['{"a":1}', '{"b":2}', 'line one\nline two', 'no-space', 'last'];
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
      expect(out, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('an unfinished message is held until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"half"')).toEqual([]);
    expect(parser.push(':true}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual(['{"half":true}']);
  });
});

/** A scripted fetch: each call takes the next response from the list. */
function scriptedFetch(responses: Array<() => Response | Promise<Response>>) {
  const calls: RequestInit[] = [];
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    calls.push(init ?? {});
    const next = responses.shift();
    if (!next) return new Promise<Response>(() => {}); // hang: the test is over
    return next();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const stream = (text: string) => () => new Response(new Blob([text]).stream(), { status: 200, headers: { 'Content-Type': 'text/event-stream' } });

function follow(responses: Array<() => Response | Promise<Response>>) {
  const { fetch, calls } = scriptedFetch(responses);
  const states: StreamState[] = [];
  const messages: string[] = [];
  let reopens = 0;
  const changed: Array<() => void> = [];
  const handle = followEventStream({
    url: '/api/events',
    token: () => 'tok',
    fetch,
    backoffMs: () => 0,
    onMessage: (d) => messages.push(d),
    onState: (s) => {
      states.push(s);
      changed.splice(0).forEach((f) => f());
    },
    onReopen: () => reopens++,
  });
  const until = (predicate: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (predicate() ? resolve() : changed.push(check));
      check();
    });
  return { handle, calls, states, messages, reopens: () => reopens, until };
}

describe('followEventStream', () => {
  it('sends the token as a bearer header (never in the URL) and delivers messages', async () => {
    const f = follow([stream('data: one\n\ndata: two\n\n')]);
    await f.until(() => f.states.includes('unreachable')); // the stream ended after two messages
    expect(f.messages).toEqual(['one', 'two']);
    expect(f.calls[0]!.headers).toMatchObject({ Authorization: 'Bearer tok' });
    f.handle.stop();
  });

  it('reconnects after the stream ends or the network fails, and says events may have been missed', async () => {
    const f = follow([stream('data: first\n\n'), () => Promise.reject(new TypeError('Failed to fetch')), stream('data: second\n\n')]);
    await f.until(() => f.messages.length === 2);
    expect(f.messages).toEqual(['first', 'second']);
    expect(f.reopens()).toBe(1);
    expect(f.states.slice(0, 2)).toEqual(['connecting', 'open']);
    expect(f.states).toContain('unreachable');
    f.handle.stop();
  });

  it('stops for good on 401 (a wrong token does not get better by retrying)', async () => {
    const f = follow([() => new Response('{"ok":false}', { status: 401 }), stream('data: never\n\n')]);
    await f.until(() => f.states.includes('unauthorized'));
    expect(f.calls).toHaveLength(1);
    expect(f.messages).toEqual([]);
  });
});
