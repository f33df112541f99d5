// fetch against the server that served the page, with the operator's key as HTTP Basic credentials. The key lives
// only in the closure of createApi: nothing here writes it anywhere.

/** An HTTP answer that was not wanted, or a request that got no answer (status 0). */
export class ApiError extends Error {
  constructor(message, { status = 0, code = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** The server refused the key (401) or what it may do (403). */
  get isAuthFailure() {
    return this.status === 401 || this.status === 403;
  }
}

/** `Basic <base64 of the key>`; the key is UTF-8 encoded first (btoa alone takes Latin-1 only). */
export function basicAuthorization(key) {
  const bytes = new TextEncoder().encode(key);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The error for a response that was not ok: the server's `{error: {message, code}}` when it sent one. */
export async function errorFromResponse(res) {
  let text = '';
  try {
    text = await res.text();
  } catch {
    // no body
  }
  let message = '';
  let code = null;
  try {
    const body = JSON.parse(text);
    if (body && body.error && typeof body.error === 'object') {
      message = body.error.message ? String(body.error.message) : '';
      code = body.error.code ?? null;
    }
  } catch {
    // not JSON
  }
  if (!message) {
    const snippet = text.trim().slice(0, 200);
    message = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
  }
  return new ApiError(message, { status: res.status, code });
}

/** A message for an error shown to the operator, with the server's error code when there is one. */
export function describeError(e) {
  if (!e) return '';
  const message = e.message || String(e);
  return e.code ? `${message} (code ${e.code})` : message;
}

/**
 * The console's HTTP calls for one key. `fetchImpl` is the global fetch unless a test passes its own.
 * - json(path): GET, parsed JSON; any non-2xx throws an ApiError
 * - text(path): GET, the body as text
 * - answer(path, okStatuses): GET, {status, body} parsed as JSON for the listed statuses (e.g. 503 from a probe)
 * - post(path) / del(path): POST / DELETE without a body, parsed JSON (or null)
 */
export function createApi(key, fetchImpl = (...args) => fetch(...args)) {
  const authorization = basicAuthorization(key);

  async function send(method, path, accept) {
    let res;
    try {
      res = await fetchImpl(path, {
        method,
        headers: { Authorization: authorization, Accept: accept },
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(`request to ${path} failed: ${e.message || e}`);
    }
    return res;
  }

  async function parsed(res) {
    const text = await res.text();
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new ApiError(`not JSON from the server (HTTP ${res.status})`, { status: res.status });
    }
  }

  async function expectOk(method, path, accept = 'application/json') {
    const res = await send(method, path, accept);
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  return {
    async json(path) {
      return parsed(await expectOk('GET', path));
    },
    async text(path) {
      const res = await expectOk('GET', path, 'text/plain;version=0.0.4, */*;q=0.1');
      return res.text();
    },
    async answer(path, okStatuses = []) {
      const res = await send('GET', path, 'application/json');
      if (!res.ok && !okStatuses.includes(res.status)) throw await errorFromResponse(res);
      return { status: res.status, body: await parsed(res) };
    },
    async post(path) {
      return parsed(await expectOk('POST', path));
    },
    async del(path) {
      return parsed(await expectOk('DELETE', path));
    },
  };
}
