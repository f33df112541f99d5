import { describe, it, expect } from 'vitest';
import { createApi, basicAuthorization, ApiError, describeError } from '../src/console/api.js';

function response(status, body, { statusText = '' } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { ok: status >= 200 && status < 300, status, statusText, text: async () => text };
}

function recordingFetch(answer) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, ...init });
    return typeof answer === 'function' ? answer(url, init) : answer;
  };
  return { calls, fetchImpl };
}

describe('basicAuthorization', () => {
  it('is Basic with the base64 of the key', () => {
    expect(basicAuthorization('app.key:secret')).toBe(`Basic ${Buffer.from('app.key:secret').toString('base64')}`);
  });
  it('encodes a key that is not Latin-1 as UTF-8', () => {
    expect(basicAuthorization('app.k:sécret✓')).toBe(`Basic ${Buffer.from('app.k:sécret✓', 'utf8').toString('base64')}`);
  });
});

describe('createApi', () => {
  it('sends the key as Basic credentials on every call, same origin, no cookies', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, { connections: 1 }));
    const api = createApi('app.key:secret', fetchImpl);
    expect(await api.json('/status')).toEqual({ connections: 1 });
    await api.post('/rules/dead-letters/7/replay');
    await api.del('/rules/dead-letters/7');
    expect(calls.map((c) => [c.method, c.url])).toEqual([
      ['GET', '/status'],
      ['POST', '/rules/dead-letters/7/replay'],
      ['DELETE', '/rules/dead-letters/7'],
    ]);
    for (const c of calls) {
      expect(c.headers.Authorization).toBe(basicAuthorization('app.key:secret'));
      expect(c.credentials).toBe('omit');
    }
  });

  it('reads /metrics as text', async () => {
    const { calls, fetchImpl } = recordingFetch(response(200, 'a 1\n'));
    expect(await createApi('k:s', fetchImpl).text('/metrics')).toBe('a 1\n');
    expect(calls[0].headers.Accept).toMatch(/text\/plain/);
  });

  it("throws the server's error message and code", async () => {
    const body = { error: { message: 'Invalid key', code: 40101, statusCode: 401 } };
    const api = createApi('k:s', recordingFetch(response(401, body)).fetchImpl);
    const e = await api.json('/status').catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe('Invalid key');
    expect(e.code).toBe(40101);
    expect(e.status).toBe(401);
    expect(e.isAuthFailure).toBe(true);
    expect(describeError(e)).toBe('Invalid key (code 40101)');
  });

  it('names the status when the error body is not the server JSON', async () => {
    const api = createApi('k:s', recordingFetch(response(404, 'Not here', { statusText: 'Not Found' })).fetchImpl);
    const e = await api.json('/metrics').catch((x) => x);
    expect(e.message).toBe('HTTP 404 Not Found: Not here');
    expect(e.isAuthFailure).toBe(false);
  });

  it('turns a network failure into an ApiError with status 0', async () => {
    const api = createApi('k:s', async () => {
      throw new TypeError('Failed to fetch');
    });
    const e = await api.json('/channels').catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(0);
    expect(e.message).toMatch(/\/channels failed: Failed to fetch/);
  });

  it('answers the listed non-2xx statuses with their body (a readiness probe)', async () => {
    const body = { status: 'unavailable', problems: { database: 'down' } };
    const api = createApi('k:s', recordingFetch(response(503, body)).fetchImpl);
    expect(await api.answer('/health/ready', [503])).toEqual({ status: 503, body });
    await expect(api.answer('/health/ready')).rejects.toThrow(/HTTP 503/);
  });

  it('throws on a 2xx answer that is not JSON', async () => {
    const api = createApi('k:s', recordingFetch(response(200, '<html>')).fetchImpl);
    await expect(api.json('/status')).rejects.toThrow(/not JSON/);
  });
});
