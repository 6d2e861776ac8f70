/**
 * The HTTP client of the UI: Duplicati's /api/v1 with a short-lived access token held in memory
 * and a refresh token in an HttpOnly cookie (rotated by POST auth/refresh, which needs the nonce
 * of the last refresh). A 401 triggers one refresh and a retry; if that fails the UI signs out.
 */

const BASE = "/api/v1";
const NONCE_KEY = "duplicati:refresh-nonce";

/** An error answer of the API: `{Error, Code}` or a plain status. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string | number) {
    super(message);
  }
}

let accessToken: string | null = null;
const signedOutListeners = new Set<() => void>();

/** Called when the session ends (refresh failed or sign-out). */
export function onSignedOut(f: () => void): () => void {
  signedOutListeners.add(f);
  return () => signedOutListeners.delete(f);
}

function nonce(): string | null {
  try {
    return localStorage.getItem(NONCE_KEY);
  } catch {
    return null;
  }
}

function keepTokens(r: { AccessToken?: string; RefreshNonce?: string }): void {
  accessToken = r.AccessToken ?? null;
  try {
    if (r.RefreshNonce) localStorage.setItem(NONCE_KEY, r.RefreshNonce);
  } catch { /* storage disabled: the session lasts until reload */ }
}

function forget(): void {
  accessToken = null;
  try {
    localStorage.removeItem(NONCE_KEY);
  } catch { /* ignore */ }
}

async function errorOf(res: Response): Promise<ApiError> {
  let msg = `${res.status} ${res.statusText}`;
  let code: string | number | undefined;
  try {
    const text = await res.text();
    try {
      const j = JSON.parse(text);
      if (j && typeof j === "object") {
        msg = String(j.Error ?? j.error ?? j.Message ?? j.message ?? msg);
        code = j.Code ?? j.code;
      }
    } catch {
      if (text && text.length < 500) msg = text;
    }
  } catch { /* no body */ }
  return new ApiError(msg, res.status, code);
}

async function rawAuth(path: string, body: unknown): Promise<Response> {
  return await fetch(`${BASE}/auth/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
}

/** Signs in with the password. Throws ApiError (401 for a wrong password, 429 when rate-limited). */
export async function login(password: string, rememberMe: boolean): Promise<void> {
  const res = await rawAuth("login", { Password: password, RememberMe: rememberMe });
  if (!res.ok) throw await errorOf(res);
  keepTokens(await res.json());
}

/** Signs in with a one-time sign-in token (the URL the server prints). */
export async function signinWithToken(token: string): Promise<void> {
  const res = await rawAuth("signin", { SigninToken: token, RememberMe: true });
  if (!res.ok) throw await errorOf(res);
  keepTokens(await res.json());
}

let refreshing: Promise<boolean> | null = null;

/** Gets a new access token with the refresh cookie. Resolves false when there is no session. */
export function refresh(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const res = await rawAuth("refresh", { Nonce: nonce() });
      if (!res.ok) return false;
      keepTokens(await res.json());
      return true;
    } catch {
      return false;
    } finally {
      queueMicrotask(() => (refreshing = null));
    }
  })();
  return refreshing;
}

/** Ends the session on the server (the refresh-token family) and here. */
export async function logout(): Promise<void> {
  try {
    await rawAuth("refresh/logout", { Nonce: nonce() });
  } finally {
    forget();
    for (const f of signedOutListeners) f();
  }
}

/** True while an access token is held. */
export function hasToken(): boolean {
  return accessToken !== null;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
  /** Return the Response instead of parsed JSON. */
  raw?: boolean;
}

/** Calls the API. Resolves parsed JSON (or null for an empty body); throws ApiError otherwise. */
export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  let url = BASE + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null) q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const send = () => {
    const headers: Record<string, string> = {};
    if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
      credentials: "same-origin",
    });
  };
  let res = await send();
  if (res.status === 401) {
    if (await refresh()) res = await send();
    if (res.status === 401) {
      forget();
      for (const f of signedOutListeners) f();
      throw await errorOf(res);
    }
  }
  if (!res.ok) throw await errorOf(res);
  if (opts.raw) return res as T;
  const text = await res.text();
  if (!text) return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export const get = <T>(path: string, opts?: RequestOptions) => api<T>("GET", path, undefined, opts);
export const post = <T>(path: string, body?: unknown, opts?: RequestOptions) =>
  api<T>("POST", path, body ?? {}, opts);
export const put = <T>(path: string, body?: unknown, opts?: RequestOptions) =>
  api<T>("PUT", path, body, opts);
export const patch = <T>(path: string, body?: unknown, opts?: RequestOptions) =>
  api<T>("PATCH", path, body, opts);
export const del = <T>(path: string, opts?: RequestOptions) =>
  api<T>("DELETE", path, undefined, opts);

/** A message for any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
