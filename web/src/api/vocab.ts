// The vocabulary (code → Japanese label) comes from the server: the OpenAPI
// document's enum schemas carry `x-enum-labels` (app.roles, app.form_statuses,
// app.form_purposes, app.programs, app.review_results …). Nothing here
// decides a label; an unknown code is shown as itself.
import { signal } from '@preact/signals';
import { API_BASE } from './client';

export type Vocab = Record<string, Record<string, string>>;
export const vocab = signal<Vocab>({});

// Codes the API does not describe yet (no enum schema with x-enum-labels in
// GET /rpc/openapi): their labels as the server's own messages name them
// (E_PATIENT_SEX 「1（男）か 2（女）」, api.secondary_hospitals.status,
// accounts.doctor_kind). Server labels replace these as soon as it sends them.
export const PENDING_SERVER_VOCAB: Vocab = {
  Sex: { '1': '男', '2': '女' },
  SecondaryHospitalStatus: { applied: '申請中', approved: '承認', rejected: '却下', withdrawn: '取下げ・終了' },
  DoctorKind: { designated: '指定医', cooperating: '協力難病指定医' },
};

export function vocabFromOpenApi(doc: any): Vocab {
  const out: Vocab = { ...PENDING_SERVER_VOCAB };
  const schemas = doc?.components?.schemas ?? {};
  for (const [name, s] of Object.entries<any>(schemas)) {
    if (s && s['x-enum-labels']) out[name] = s['x-enum-labels'];
  }
  return out;
}

/** Who may call what: each path's `x-roles` (read from the grants by the server). */
export const callers = signal<Record<string, string[]>>({});

export function callersFromOpenApi(doc: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, item] of Object.entries<any>(doc?.paths ?? {})) {
    const roles = new Set<string>();
    for (const op of Object.values<any>(item ?? {})) for (const r of op?.['x-roles'] ?? []) roles.add(r);
    out[path] = [...roles];
  }
  return out;
}

export async function loadVocab(): Promise<void> {
  const r = await fetch(`${API_BASE}/rpc/openapi`, { headers: { 'X-Requested-With': 'nanbyo-web' } });
  if (!r.ok) return;
  const doc = await r.json();
  vocab.value = vocabFromOpenApi(doc);
  callers.value = callersFromOpenApi(doc);
}

/** May `role` call `path` (e.g. '/rpc/register_patient')? */
export function mayCall(role: string | undefined, path: string): boolean {
  return !!role && (callers.value[path] ?? []).includes(role);
}

/** The Japanese label of `code` in the vocabulary `kind` (Role, FormStatus, …). */
export function label(kind: string, code: string | null | undefined): string {
  if (code == null || code === '') return '—';
  return vocab.value[kind]?.[code] ?? code;
}

/** Label and code together, e.g. 「医療クラーク等（clerk）」. */
export function labelled(kind: string, code: string | null | undefined): string {
  if (code == null || code === '') return '—';
  const l = vocab.value[kind]?.[code];
  return l ? `${l}（${code}）` : code;
}

export function options(kind: string): { code: string; label: string }[] {
  return Object.entries(vocab.value[kind] ?? {}).map(([code, l]) => ({ code, label: l }));
}
