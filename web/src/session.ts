// The session: who is logged in (api.whoami), when the session ends, and the
// warning before it does. Renewing (api.renew_session) or logging in again
// in a dialog keeps the screen underneath, so typed data stays.
import { signal, computed } from '@preact/signals';
import { rpc, setBearer, onSessionLost, ApiError, toLocalTime } from './api/client';
import type { Whoami } from './api/types';

export const me = signal<Whoami | null>(null);
/** The moment the session ends (from login / renew_session: `expires_at`). */
export const expiresAt = signal<number | null>(null);
/** A login that must finish enrolment first (stage 'enrolment'). */
export const enrolling = signal<{ login_id: string; must_change_password: boolean; must_register_email: boolean; must_register_key: boolean } | null>(null);
/** Set when the server said the session is over: the shell shows the re-login dialog. */
export const lost = signal<ApiError | null>(null);
export const now = signal(Date.now());

export const WARN_BEFORE_MS = 5 * 60 * 1000;
export const remainingMs = computed(() => (expiresAt.value == null ? null : expiresAt.value - now.value));
export const warnExpiry = computed(() => remainingMs.value != null && remainingMs.value <= WARN_BEFORE_MS);

if (typeof window !== 'undefined') {
  setInterval(() => { now.value = Date.now(); }, 1000);
  onSessionLost((e) => { if (me.value) lost.value = e; });
}

type LoginAnswer = {
  token?: string; expires_at?: string; stage?: string;
  must_change_password?: boolean; must_register_key?: boolean; must_register_email?: boolean;
  account?: { login_id?: string };
};

export async function login(login_id: string, password: string, key?: string, enrolment_code?: string) {
  setBearer(null); // a login must not carry the session that ended
  const r = (await rpc('login', { login_id, password, key: key || undefined, enrolment_code: enrolment_code || undefined } as any)) as LoginAnswer;
  setBearer(r.token);
  expiresAt.value = r.expires_at ? toLocalTime(r.expires_at) : null;
  lost.value = null;
  if (r.stage === 'enrolment') {
    me.value = null;
    enrolling.value = {
      login_id: r.account?.login_id ?? login_id,
      must_change_password: !!r.must_change_password,
      must_register_email: !!r.must_register_email,
      must_register_key: !!r.must_register_key,
    };
    return 'enrolment' as const;
  }
  enrolling.value = null;
  me.value = (await rpc('whoami')) as Whoami;
  return 'full' as const;
}

export async function renew() {
  const r = (await rpc('renew_session' as any)) as LoginAnswer;
  if (r.token) setBearer(r.token);
  if (r.expires_at) expiresAt.value = toLocalTime(r.expires_at);
}

export async function logout() {
  try { await rpc('logout'); } catch { /* the session may be over already */ }
  setBearer(null);
  me.value = null; enrolling.value = null; expiresAt.value = null; lost.value = null;
  location.hash = '#/';
}

/** After a reload, a cookie session may still be live. */
export async function resume() {
  try {
    const w = (await rpc('whoami')) as Whoami & { session_role?: string };
    if (w.session_role === 'enrolling') {
      // an enrolment session survives a reload in its cookie; whoami does not say which steps
      // are due, so the form asks for all (the server ignores a password it does not need)
      enrolling.value = { login_id: w.login_id, must_change_password: true, must_register_email: !w.email, must_register_key: true };
      return;
    }
    me.value = w;
    // whoami's session_expires_at is the session row's end (what renew_session moves)
    if ((w as any).session_expires_at) expiresAt.value = toLocalTime((w as any).session_expires_at);
  } catch { me.value = null; }
}
