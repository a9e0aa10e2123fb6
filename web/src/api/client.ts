// Every API call goes through one PostgrestClient on /api (nginx, or the Vite
// proxy in development). Each request says X-Requested-With: nanbyo-web, so
// that the server puts the session in an HttpOnly cookie instead of the body.
// When a login answer still carries the token (PostgREST directly, without
// the edge), it is kept in memory only and sent as Authorization.
import { PostgrestClient } from '@supabase/postgrest-js';
import type { RpcArgs, RpcName, RpcResult } from './types';

export const API_BASE = '/api';

let bearer: string | null = null;
export function setBearer(token: string | null | undefined) { bearer = token ?? null; }

/** An error answer of the API: its Japanese message and stable code. */
export class ApiError extends Error {
  constructor(
    message: string,
    public code: string,          // the stable code (E_…) or, failing that, SQLSTATE / PGRST…
    public status: number,
    public hint?: string | null,
    public body?: any,
  ) { super(message); }
}

/** Listeners told about 401 session errors (the shell offers a new login). */
type SessionListener = (e: ApiError) => void;
const sessionListeners = new Set<SessionListener>();
export function onSessionLost(l: SessionListener) { sessionListeners.add(l); return () => sessionListeners.delete(l); }

export const SESSION_CODES = ['E_SESSION_EXPIRED', 'E_SESSION_REVOKED', 'E_SESSION_INVALID', 'E_NOT_LOGGED_IN'];

/** Server clock minus this browser's clock (from each answer's Date header), so
 *  that the session's end is counted on the server's clock, not a drifting PC's. */
let serverOffset = 0;
export const serverOffsetMs = () => serverOffset;
/** A server time as this browser's clock reads it. */
export const toLocalTime = (serverIso: string) => Date.parse(serverIso) - serverOffset;

const apiFetch: typeof fetch = async (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('X-Requested-With', 'nanbyo-web');
  if (bearer && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${bearer}`);
  const res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  const date = Date.parse(res.headers?.get?.('Date') ?? '');
  if (!Number.isNaN(date)) serverOffset = date - Date.now();
  return res;
};

function baseUrl() {
  const origin = typeof location !== 'undefined' && location.origin !== 'null' ? location.origin : 'http://localhost';
  return origin + API_BASE;
}

export const db = () => new PostgrestClient(baseUrl(), { fetch: apiFetch });

export function toApiError(error: any, status: number): ApiError {
  const message = error?.message || (status === 0 ? 'サーバーに接続できません。' : `エラーが発生しました（HTTP ${status}）。`);
  const code = error?.details && /^[EW]_[A-Z0-9_]+$/.test(error.details) ? error.details : (error?.code || `HTTP_${status}`);
  return new ApiError(message, code, status, error?.hint, error);
}

/** POST /rpc/NAME with ARGS; the answer, or an ApiError. */
export async function rpc<F extends RpcName>(name: F, args?: RpcArgs<F>): Promise<RpcResult<F>> {
  const { data, error, status } = await db().rpc(name as string, (args ?? {}) as any);
  if (error) {
    const e = toApiError(error, status);
    if (status === 401 && SESSION_CODES.includes(e.code)) sessionListeners.forEach((l) => l(e));
    throw e;
  }
  return data as RpcResult<F>;
}

/** GET a view with a PostgREST query built by `build`. */
export async function view<T = any>(name: string, build?: (q: any) => any): Promise<T[]> {
  let q: any = db().from(name).select('*');
  if (build) q = build(q);
  const { data, error, status } = await q;
  if (error) {
    const e = toApiError(error, status);
    if (status === 401 && SESSION_CODES.includes(e.code)) sessionListeners.forEach((l) => l(e));
    throw e;
  }
  return data as T[];
}

/** One page of a set-returning call (PostgREST's Range paging, the total by count=exact). */
export async function rpcPage<F extends RpcName>(name: F, args: RpcArgs<F>, offset: number, limit: number):
  Promise<{ rows: RpcResult<F>; total: number | null }> {
  const { data, error, status, count } = await db().rpc(name as string, (args ?? {}) as any, { count: 'exact' })
    .range(offset, offset + limit - 1);
  if (error) {
    const e = toApiError(error, status);
    if (status === 401 && SESSION_CODES.includes(e.code)) sessionListeners.forEach((l) => l(e));
    throw e;
  }
  return { rows: (data ?? []) as RpcResult<F>, total: count ?? null };
}

/** POST /rpc/NAME with a raw text body (a function with one unnamed text
 *  argument, e.g. the hospital master CSV): the JSON answer, or an ApiError.
 *  A 4xx answer whose JSON is not an error object (a per-row report) is in
 *  the ApiError's body. */
export async function rpcText<T = any>(name: string, text: string): Promise<T> {
  const res = await apiFetch(`${baseUrl()}/rpc/${name}`, {
    method: 'POST', body: text,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'application/json' },
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const e = toApiError(body, res.status);
    if (res.status === 401 && SESSION_CODES.includes(e.code)) sessionListeners.forEach((l) => l(e));
    throw e;
  }
  return body as T;
}
