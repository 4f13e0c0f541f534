import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../shared/contract/errors';
import { resultFromHttp, setBridgeForTests } from './bridge';
import { invoke } from './client';
import { resetConnectionForTests, TOKEN_MESSAGE, UNREACHABLE_MESSAGE, useConnection } from './connection-store';

beforeEach(() => {
  resetConnectionForTests();
  setBridgeForTests(undefined);
  sessionStorage.setItem('gatehouse.webToken', 'tok');
});
afterEach(() => {
  vi.unstubAllGlobals();
  setBridgeForTests(undefined);
  sessionStorage.clear();
});

describe('resultFromHttp: every HTTP answer becomes a typed Result', () => {
  it('passes the host’s JSON Result through', () => {
    expect(resultFromHttp(200, '{"ok":true,"data":{"n":1}}')).toEqual({ ok: true, data: { n: 1 } });
    expect(resultFromHttp(200, '{"ok":false,"error":{"code":"E_BUSY","message":"Another Gatehouse window or command is writing; try again"}}')).toEqual({
      ok: false,
      error: { code: 'E_BUSY', message: 'Another Gatehouse window or command is writing; try again' },
    });
  });

  it('413 → E_LIMIT with the host’s message; a text 413 (an older host) still becomes E_LIMIT, never “Unexpected token”', () => {
    expect(resultFromHttp(413, '{"ok":false,"error":{"code":"E_LIMIT","message":"The file is larger than 2 GiB…"}}')).toEqual({
      ok: false,
      error: { code: 'E_LIMIT', message: 'The file is larger than 2 GiB…' },
    });
    expect(resultFromHttp(413, 'Request body too large')).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
  });

  it('401 → E_FORBIDDEN “token missing or wrong”, and the page learns that its link is bad', () => {
    expect(resultFromHttp(401, 'nope')).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: TOKEN_MESSAGE } });
    expect(useConnection.getState().state).toBe('unauthorized');
  });

  it('other non-JSON answers → E_INTERNAL naming the status; a success status with an error-shaped body is not trusted blindly', () => {
    expect(resultFromHttp(502, '<html>Bad gateway</html>')).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: expect.stringContaining('HTTP 502') } });
    expect(resultFromHttp(500, '{"ok":true,"data":1}')).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    expect(resultFromHttp(200, '{"ok":false,"error":{"code":"E_NOPE","message":"x"}}')).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
  });
});

describe('invoke through the browser-host bridge', () => {
  it('sends the bearer token; a network failure is “could not be reached”', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    vi.stubGlobal('fetch', fetch);
    const error = await invoke('app:info', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'E_INTERNAL', message: UNREACHABLE_MESSAGE });
    expect(fetch).toHaveBeenCalledWith('/api/invoke', expect.objectContaining({ headers: expect.objectContaining({ Authorization: 'Bearer tok' }) }));
  });

  it('a 413 text body becomes a typed E_LIMIT AppError', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Request body too large', { status: 413 })));
    await expect(invoke('app:info', {})).rejects.toMatchObject({ code: 'E_LIMIT' });
  });
});
