import { useState } from 'preact/hooks';
import { rpc, ApiError } from '../api/client';
import { label, labelled, options } from '../api/vocab';
import { rpcRaw, saveBlob } from '../ui/download';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

export type AuditFilters = {
  actor: string; organisation: string; action: string; targetKind: string; targetId: string;
  from: string; to: string; requestId: string; outcome: string;
};
const EMPTY: AuditFilters = { actor: '', organisation: '', action: '', targetKind: '', targetId: '', from: '', to: '', requestId: '', outcome: '' };
export const PAGE_SIZE = 50;

type Row = {
  id: number; at: string; request_id: string | null; actor_account_id: number | null; actor_login_id: string | null;
  actor_role: string | null; actor_organisation_id: number | null; action: string; outcome: string;
  target_kind: string | null; target_id: string | null; detail: Record<string, unknown>; api_token_id: number | null;
};
type Cursor = { cursor_at: string; cursor_id: number } | null;
type Verification = {
  status: 'ok' | 'broken'; links: number; verified: number; unsealed: number; sealed_now: number; duration_ms: number;
  last_chain_hash: string | null;
  first_break: { seq: number; audit_id: number | null; audit_at: string | null; problem: string; message: string } | null;
};

/** A datetime-local value (the browser's time) as an ISO timestamp, or nothing. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The filters as search_audit_log takes them (empty ones left out). */
export function auditArgs(f: AuditFilters): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (f.actor.trim()) a.actor_login_id = f.actor.trim();
  if (f.organisation.trim()) a.organisation_id = Number(f.organisation.trim());
  if (f.action.trim()) a.action = f.action.trim();
  if (f.targetKind.trim()) a.target_kind = f.targetKind.trim();
  if (f.targetId.trim()) a.target_id = f.targetId.trim();
  if (f.requestId.trim()) a.request_id = f.requestId.trim();
  if (f.outcome) a.outcome = f.outcome;
  if (f.from) a.from = isoOf(f.from);
  if (f.to) a.to = isoOf(f.to);
  return a;
}

const when = (iso: string) => new Date(iso).toLocaleString('ja-JP', { hour12: false });

/** 操作ログ (operator, Ministry): search by every filter, newest first, paged by keyset; CSV; 改ざん検査. */
export function AuditLogPage() {
  const [f, setF] = useState<AuditFilters>(EMPTY);
  const [args, setArgs] = useState<Record<string, unknown> | null>(null);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  // the cursors of the pages shown so far: [null (first page), after page 1, …]
  const [cursors, setCursors] = useState<Cursor[]>([null]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [check, setCheck] = useState<Verification | null>(null);
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const [checking, setChecking] = useState(false);
  const set = (k: keyof AuditFilters) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });

  async function load(a: Record<string, unknown>, stack: Cursor[]) {
    setError(null); setBusy(true); setSaved(null);
    try {
      const cursor = stack[stack.length - 1];
      // one more than the page: whether there is a next one
      const got = (await rpc('search_audit_log', { ...a, ...(cursor ?? {}), limit: PAGE_SIZE + 1 } as any)) as unknown as Row[];
      setRows(got.slice(0, PAGE_SIZE)); setHasMore(got.length > PAGE_SIZE); setCursors(stack); setArgs(a);
    } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  function search(e: Event) { e.preventDefault(); load(auditArgs(f), [null]); }
  function next() {
    const last = rows![rows!.length - 1];
    load(args!, [...cursors, { cursor_at: last.at, cursor_id: last.id }]);
  }
  function previous() { load(args!, cursors.slice(0, -1)); }
  async function csv() {
    setError(null); setSaved(null);
    try {
      saveBlob(await rpcRaw('search_audit_log', { ...auditArgs(f), limit: 1000 }, 'text/csv'), 'audit-log.csv');
      setSaved('audit-log.csv');
    } catch (x) { setError(x as ApiError); }
  }
  async function verify() {
    setCheck(null); setCheckError(null); setChecking(true);
    try { setCheck((await rpc('verify_audit_log', {} as any)) as unknown as Verification); }
    catch (x) { setCheckError(x as ApiError); } finally { setChecking(false); }
  }

  return (
    <>
      <h1>操作ログ</h1>
      <p>だれが、いつ、どの記録に何をしたか（個人情報の閲覧を含む）を検索します。検索したことも操作ログに記録されます。</p>
      <form class="search-form" role="search" aria-label="操作ログの検索条件" onSubmit={search}>
        <Field id="al-actor" label="利用者（ログインID）">
          {(a) => <input {...a} type="text" value={f.actor} onInput={set('actor')} />}
        </Field>
        <Field id="al-org" label="組織ID">
          {(a) => <input {...a} type="text" inputMode="numeric" size={8} value={f.organisation} onInput={set('organisation')} />}
        </Field>
        <Field id="al-action" label="操作" hint="前方一致（例: read. は個人情報の閲覧）">
          {(a) => <input {...a} type="text" list="al-actions" value={f.action} onInput={set('action')} />}
        </Field>
        <datalist id="al-actions">{options('AuditAction').map((o) => <option value={o.code}>{o.label}</option>)}</datalist>
        <Field id="al-outcome" label="結果">
          {(a) => <select {...a} value={f.outcome} onChange={set('outcome')}>
            <option value="">すべて</option>
            {options('AuditOutcome').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <Field id="al-target-kind" label="対象の種類" hint="例: form, account, patient">
          {(a) => <input {...a} type="text" size={10} value={f.targetKind} onInput={set('targetKind')} />}
        </Field>
        <Field id="al-target-id" label="対象のID">
          {(a) => <input {...a} type="text" size={10} value={f.targetId} onInput={set('targetId')} />}
        </Field>
        <Field id="al-from" label="期間（から）">
          {(a) => <input {...a} type="datetime-local" value={f.from} onInput={set('from')} />}
        </Field>
        <Field id="al-to" label="期間（より前）">
          {(a) => <input {...a} type="datetime-local" value={f.to} onInput={set('to')} />}
        </Field>
        <Field id="al-request" label="リクエストID">
          {(a) => <input {...a} type="text" value={f.requestId} onInput={set('requestId')} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={busy}>検索する</button>
        <button class="btn" type="button" disabled={busy} onClick={csv}>CSVでダウンロード</button>
      </form>
      <ErrorBox error={error} />
      {saved && <Notice kind="success"><p>「{saved}」をダウンロードしました（先頭1000件）。</p></Notice>}
      {rows && (
        <>
          <div class="table-wrap"><table class="table">
            <caption>{rows.length === 0 ? '該当する操作はありません' : `${(cursors.length - 1) * PAGE_SIZE + 1}〜${(cursors.length - 1) * PAGE_SIZE + rows.length}件目（新しい順）`}</caption>
            <thead><tr><th scope="col">日時</th><th scope="col">利用者</th><th scope="col">利用者区分</th><th scope="col">組織ID</th>
              <th scope="col">操作</th><th scope="col">結果</th><th scope="col">対象</th><th scope="col">リクエストID</th><th scope="col">詳細</th></tr></thead>
            <tbody>{rows.map((r) => (
              <tr>
                <td>{when(r.at)}</td>
                <td>{r.actor_login_id ?? '—'}</td>
                <td>{r.actor_role ? labelled('Role', r.actor_role) : '—'}</td>
                <td>{r.actor_organisation_id ?? '—'}</td>
                <td>{labelled('AuditAction', r.action)}</td>
                <td>{labelled('AuditOutcome', r.outcome)}</td>
                <td>{r.target_kind ? `${r.target_kind} ${r.target_id ?? ''}` : '—'}</td>
                <td><code>{r.request_id ?? ''}</code></td>
                <td><code class="detail">{JSON.stringify(r.detail)}</code></td>
              </tr>))}</tbody>
          </table></div>
          {(cursors.length > 1 || hasMore) && (
            <nav class="pager" aria-label="ページ送り">
              <button class="btn btn-small" disabled={busy || cursors.length <= 1} onClick={previous}>前へ</button>
              <span aria-live="polite">{cursors.length}ページ目</span>
              <button class="btn btn-small" disabled={busy || !hasMore} onClick={next}>次へ</button>
            </nav>
          )}
        </>
      )}

      <h2>改ざん検査</h2>
      <p>操作ログのハッシュ連鎖を先頭から検証し、最初に壊れている箇所を示します。まだ封印されていない操作ログは封印してから検証します。</p>
      <button class="btn" type="button" disabled={checking} onClick={verify}>{checking ? '検査中…' : '改ざん検査'}</button>
      <ErrorBox error={checkError} />
      {check && (check.status === 'ok'
        ? <Notice kind="success"><p>改ざんは見つかりませんでした。{check.verified}件を検証しました（未封印 {check.unsealed}件）。</p>
            <p class="hint">最後の連鎖ハッシュ: <code>{check.last_chain_hash ?? '—'}</code></p></Notice>
        : <div class="alert alert-error" role="alert">
            <p>{check.first_break!.message}</p>
            <p>連鎖の位置 {check.first_break!.seq}、操作ログID {check.first_break!.audit_id ?? '—'}
              （{label('AuditBreak', check.first_break!.problem)}）。それより前の {check.verified}件は検証済みです。</p>
          </div>)}
    </>
  );
}
