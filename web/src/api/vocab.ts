// The vocabulary (code → Japanese label) comes from the server: the OpenAPI
// document's enum schemas carry `x-enum-labels` (app.roles, app.form_statuses,
// app.form_purposes, app.programs, app.review_results …). Nothing here
// decides a label; an unknown code is shown as itself.
import { signal } from '@preact/signals';
import { API_BASE } from './client';

export type Vocab = Record<string, Record<string, string>>;
export const vocab = signal<Vocab>({});

/** api.vocabulary()'s lists under the names the screens use. */
const VOCABULARY_KINDS: Record<string, string> = {
  roles: 'Role', sexes: 'Sex', programs: 'Program', doctor_kinds: 'DoctorKind',
  form_purposes: 'FormPurpose', form_statuses: 'FormStatus', review_results: 'ReviewResult',
  primary_judgments: 'PrimaryJudgment', organisation_kinds: 'OrganisationKind', api_token_scopes: 'ApiTokenScope',
  secondary_hospital_statuses: 'SecondaryHospitalStatus', import_results: 'ImportResult',
  form_history_parts: 'FormHistoryPart', deletion_reasons: 'DeletionReason', paper_scan_statuses: 'PaperScanStatus',
  income_tiers: 'IncomeTier', refusal_reasons: 'RefusalReason', admin_box_items: 'AdminBoxItem',
  municipality_kinds: 'MunicipalityKind', hospital_import_results: 'HospitalImportResult',
  form_version_states: 'FormVersionState', master_tables: 'MasterTable', master_history_actions: 'MasterHistoryAction',
  audit_outcomes: 'AuditOutcome', audit_actions: 'AuditAction',
  entry_channels: 'EntryChannel', statistics_cell_flags: 'StatisticsCellFlag', statistics_run_statuses: 'StatisticsRunStatus',
};

/** The 行政記載欄's items as the server defines them (app.admin_box_items). */
export type AdminBoxItem = { code: string; label: string; value_type: 'text' | 'date'; max_length: number | null; on_masked_print: boolean };
export const adminBoxItems = signal<AdminBoxItem[]>([]);

/** api.vocabulary() → Vocab: every list of {code, label} (ordered by position when given). */
export function vocabFromVocabulary(v: any): Vocab {
  const out: Vocab = {};
  for (const [key, list] of Object.entries<any>(v ?? {})) {
    if (!Array.isArray(list) || !list.every((e) => e && typeof e.code === 'string')) continue;
    if (key === 'special_cases') {
      // labelled per program (高額かつ長期 in nanbyō is 重症 in shōman): SpecialCase:<program>
      for (const e of [...list].sort((a, b) => (a.position ?? 0) - (b.position ?? 0))) {
        (out[`SpecialCase:${e.program}`] ??= {})[e.code] = e.label;
      }
      continue;
    }
    const sorted = [...list].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    out[VOCABULARY_KINDS[key] ?? key] = Object.fromEntries(sorted.map((e) => [e.code, e.label]));
  }
  return out;
}

export function vocabFromOpenApi(doc: any): Vocab {
  const out: Vocab = {};
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
  const h = { 'X-Requested-With': 'nanbyo-web' };
  const [r, v] = await Promise.all([
    fetch(`${API_BASE}/rpc/openapi`, { headers: h }),
    fetch(`${API_BASE}/rpc/vocabulary`, { headers: h }).catch(() => null),
  ]);
  if (!r.ok) return;
  const doc = await r.json();
  const raw = v && v.ok ? await v.json() : null;
  const server = raw ? vocabFromVocabulary(raw) : {};
  adminBoxItems.value = raw?.admin_box_items ?? [];
  vocab.value = { ...vocabFromOpenApi(doc), ...server };
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
