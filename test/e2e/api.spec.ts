import http from 'node:http';
import { expect, test } from './web-host';

/** A raw request, for what fetch cannot send (a foreign Host header). */
function rawRequest(origin: string, options: { method: string; path: string; headers?: Record<string, string>; body?: string }) {
  const { hostname, port } = new URL(origin);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ hostname, port, method: options.method, path: options.path, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('the API refuses a wrong or missing token with 401 and E_FORBIDDEN, and changes nothing', async ({ host }) => {
  const wrongToken = await host.invoke('workspaces:create', { name: 'Sneaky' }, { token: 'not-the-token' });
  expect(wrongToken.status).toBe(401);
  expect(wrongToken.body).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.any(String) } });

  const noToken = await host.invoke('workspaces:list', {}, { token: null });
  expect(noToken.status).toBe(401);
  expect(noToken.body).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });

  // Almost the token is not the token.
  const truncated = await host.invoke('workspaces:list', {}, { token: host.token.slice(0, -1) });
  expect(truncated.status).toBe(401);
  const lowerScheme = await rawRequest(host.origin, {
    method: 'POST',
    path: '/api/invoke',
    headers: { 'Content-Type': 'application/json', Authorization: `bearer ${host.token}` },
    body: JSON.stringify({ channel: 'workspaces:list', input: {} }),
  });
  expect(lowerScheme.status).toBe(401);

  // Authorisation is checked before the payload: a forbidden caller learns nothing about validation.
  const forbiddenAndInvalid = await host.invoke('workspaces:create', { name: 42 }, { token: 'nope' });
  expect(forbiddenAndInvalid.status).toBe(401);
  expect(forbiddenAndInvalid.body).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });

  const list = await host.invoke('workspaces:list', {});
  expect(list.status).toBe(200);
  expect(list.body.ok && list.body.data.items.map((w: { name: string }) => w.name)).toEqual(['Default Workspace']);
});

test('the API refuses bad payloads with E_VALIDATION', async ({ host }) => {
  const wrongType = await host.invoke('workspaces:create', { name: 123 });
  expect(wrongType.status).toBe(200);
  expect(wrongType.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'name' }] } });

  const tooLong = await host.invoke('workspaces:create', { name: 'x'.repeat(31) });
  expect(tooLong.body).toMatchObject({
    ok: false,
    error: { code: 'E_VALIDATION', message: 'Name must be at most 30 characters', issues: [{ path: 'name', message: 'Name must be at most 30 characters' }] },
  });

  const unknownField = await host.invoke('workspaces:create', { name: 'Fine', isDefault: true });
  expect(unknownField.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });

  const badEnum = await host.invoke('workspaces:create', { name: 'Fine', region: 'mars' });
  expect(badEnum.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'region' }] } });

  const notJson = await host.invoke('', null, { rawBody: '{"channel": "workspaces:list", ' });
  expect(notJson.status).toBe(200);
  expect(notJson.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });

  const noChannel = await host.invoke('', null, { rawBody: JSON.stringify({ input: {} }) });
  expect(noChannel.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });

  const unknownChannel = await host.invoke('workspaces:explode', {});
  expect(unknownChannel.body).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });

  const badId = await host.invoke('workspaces:delete', { id: '../etc', confirmName: 'x' });
  expect(badId.body).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'id' }] } });

  // None of it created anything.
  const list = await host.invoke('workspaces:list', {});
  expect(list.body.ok && list.body.data.total).toBe(1);
});

test('the API refuses other methods, foreign Host headers and deleting the default workspace', async ({ host }) => {
  const get = await rawRequest(host.origin, { method: 'GET', path: '/api/invoke' });
  expect(get.status).toBe(405);

  const port = new URL(host.origin).port;
  const rebinding = await rawRequest(host.origin, {
    method: 'POST',
    path: '/api/invoke',
    headers: { Host: `evil.example:${port}`, 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
    body: JSON.stringify({ channel: 'workspaces:list', input: {} }),
  });
  expect(rebinding.status).toBe(421);

  const active = await host.invoke('workspaces:getActive', {});
  expect(active.body.ok).toBe(true);
  const defaultWs = active.body.ok ? active.body.data : null;
  const refused = await host.invoke('workspaces:delete', { id: defaultWs.id, confirmName: defaultWs.name });
  expect(refused.body).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
});
