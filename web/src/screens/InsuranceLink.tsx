// 履歴照会連携 (D5, issue #20 item 4): the operator admin's screen of the
// link to the national insurance-history inquiry system
// (docs/insurance-history-link.md): make a request batch, list the batches
// with their counts, download a batch's request file, upload the answer
// file and see its per-line report. The linkage ids themselves are never
// shown (the server does not answer them); every rule is the database's.
import { useEffect, useState } from 'preact/hooks';
import { API_BASE, toApiError, type ApiError } from '../api/client';
import { label } from '../api/vocab';
import { call } from '../forms/api';
import { rpcRaw, saveBlob } from '../ui/download';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

export type InsuranceBatch = {
  batch_id: number; file_name: string; created_at: string; created_by_login_id: string | null; trigger: string;
  requests: number; answered: number; found: number; not_found: number; errors: number; unanswered: number;
  last_answer_at: string | null; file_sha256: string;
};
type AnswerLine = { line: number; line_no: number; status: string; peer_code: string | null; new: boolean };
type Problem = { line: number; column: string | null; code: string; message: string };
export type AnswerImport = {
  accepted: boolean; message: string; lines: number | null; batch_id?: number; applied?: number; unchanged?: number;
  found?: number; not_found?: number; errors?: number; answers?: AnswerLine[]; problems?: Problem[]; problem_count?: number;
};

/** POST the answer file's bytes as they are; a refused file (422) answers its per-line report, not an error. */
export async function uploadInsuranceAnswers(file: Blob): Promise<AnswerImport> {
  const r = await fetch(`${API_BASE}/rpc/import_insurance_inquiry_answers`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json', 'X-Requested-With': 'nanbyo-web' },
    body: file,
  });
  const text = await r.text();
  let body: any = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  if (r.ok || (r.status === 422 && body && Array.isArray(body.problems))) return body as AnswerImport;
  throw toApiError(body, r.status);
}

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString('ja-JP') : '—');

export function InsuranceLinkPage() {
  const [batches, setBatches] = useState<InsuranceBatch[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [answer, setAnswer] = useState<AnswerImport | null>(null);
  async function load() {
    try { setBatches(await call<InsuranceBatch[]>('insurance_inquiry_batches')); } catch (e) { setError(e as ApiError); }
  }
  useEffect(() => { load(); }, []);
  async function act(fn: () => Promise<void>) {
    setBusy(true); setError(null); setNotice(null);
    try { await fn(); } catch (e) { setError(e as ApiError); } finally { setBusy(false); }
  }
  const create = () => act(async () => {
    const r = await call<{ message: string }>('create_insurance_inquiry_batch');
    setNotice(r.message); await load();
  });
  const download = (b: InsuranceBatch) => act(async () => {
    saveBlob(await rpcRaw('insurance_inquiry_request_file', { batch_id: b.batch_id }, 'text/csv'), b.file_name);
    setNotice(`${b.file_name} を保存しました。`);
  });
  const upload = (e: Event) => { e.preventDefault(); if (!file) return; act(async () => {
    setAnswer(null);
    const a = await uploadInsuranceAnswers(file);
    setAnswer(a);
    if (a.accepted) await load();
  }); };
  return (
    <>
      <h1>履歴照会連携</h1>
      <p>オンライン資格確認等システムの履歴照会・回答システムとの連携です。保険の識別情報が新しい・変わった患者の依頼ファイル（バッチ）を作り、
        相手から届いた回答ファイルを取り込むと、患者ごとの連携IDが記録されます（連携IDは画面には表示しません）。依頼ファイルは毎晩自動でも作られます。</p>
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      <ErrorBox error={error} />
      <p><button class="btn btn-primary" onClick={create} disabled={busy}>依頼ファイルを作成する</button></p>

      <section aria-labelledby="il-batches">
        <h2 id="il-batches">依頼ファイル（バッチ）</h2>
        {batches === null ? <p role="status">読み込み中…</p> : batches.length === 0 ? <p>まだバッチはありません。</p> : (
          <div class="table-wrap"><table class="table">
            <caption>バッチの一覧（新しい順）</caption>
            <thead><tr><th scope="col">バッチ番号</th><th scope="col">作成日時</th><th scope="col">作成</th><th scope="col">依頼</th>
              <th scope="col">該当あり</th><th scope="col">該当なし</th><th scope="col">エラー</th><th scope="col">未回答</th>
              <th scope="col">依頼ファイル</th></tr></thead>
            <tbody>{batches.map((b) => (
              <tr>
                <td>{b.batch_id}</td><td>{time(b.created_at)}</td>
                <td>{label('InsuranceBatchTrigger', b.trigger)}{b.created_by_login_id ? `（${b.created_by_login_id}）` : ''}</td>
                <td>{b.requests}件</td><td>{b.found}件</td><td>{b.not_found}件</td><td>{b.errors}件</td><td>{b.unanswered}件</td>
                <td><button class="btn btn-small" onClick={() => download(b)} disabled={busy}
                  aria-label={`バッチ${b.batch_id}の依頼ファイルをダウンロード`}>ダウンロード</button></td>
              </tr>))}</tbody>
          </table></div>
        )}
      </section>

      <section aria-labelledby="il-answers">
        <h2 id="il-answers">回答ファイルの取込</h2>
        <form onSubmit={upload} noValidate aria-label="回答ファイル">
          <Field id="il-file" label="回答ファイル（CSV）" required
            hint="1つのバッチの回答（UTF-8 または Shift_JIS）。ファイル全体を先に検査し、1行でも誤りがあれば1件も取り込みません。">
            {(a) => <input {...a} type="file" accept=".csv,text/csv" onChange={(e) => {
              setAnswer(null); setError(null);
              setFile((e.target as HTMLInputElement).files?.[0] ?? null);
            }} />}
          </Field>
          <button class="btn btn-primary" type="submit" disabled={!file || busy}>{busy ? '処理中…' : '取り込む'}</button>
        </form>
        {answer && !answer.accepted && (
          <section aria-labelledby="il-problems">
            <div class="alert alert-error" role="alert"><p>{answer.message}</p></div>
            <div class="table-wrap"><table class="table">
              <caption id="il-problems">行ごとの誤り（{answer.problem_count ?? answer.problems?.length ?? 0}件）</caption>
              <thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">内容</th><th scope="col">コード</th></tr></thead>
              <tbody>{answer.problems?.map((p) => (
                <tr><td>{p.line}</td><td>{p.column ?? '—'}</td><td>{p.message}</td><td><code>{p.code}</code></td></tr>))}</tbody>
            </table></div>
          </section>
        )}
        {answer?.accepted && (
          <section aria-labelledby="il-done">
            <h3 id="il-done">取込の結果（バッチ {answer.batch_id}）</h3>
            <Notice kind="success"><p>{answer.message}</p></Notice>
            <dl class="dl">
              <dt>行数</dt><dd>{answer.lines}件</dd>
              <dt>新しく記録</dt><dd>{answer.applied}件</dd>
              <dt>取り込み済み</dt><dd>{answer.unchanged}件</dd>
            </dl>
            <div class="table-wrap"><table class="table">
              <caption>行ごとの回答</caption>
              <thead><tr><th scope="col">行</th><th scope="col">依頼の行番号</th><th scope="col">回答</th><th scope="col">回答コード</th><th scope="col">今回記録</th></tr></thead>
              <tbody>{answer.answers?.map((l) => (
                <tr><td>{l.line}</td><td>{l.line_no}</td><td>{label('InsuranceAnswerStatus', l.status)}</td>
                  <td>{l.peer_code ? <code>{l.peer_code}</code> : '—'}</td><td>{l.new ? '記録した' : '取り込み済み'}</td></tr>))}</tbody>
            </table></div>
          </section>
        )}
      </section>
    </>
  );
}
