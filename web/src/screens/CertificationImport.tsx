import { useState } from 'preact/hooks';
import { API_BASE, toApiError, type ApiError } from '../api/client';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

/** One problem of a refused file: the CSV line, the column (its header and Japanese name), the code and message. */
export type CertificationProblem = { line: number; column: string | null; column_label: string | null; code: string; message: string };
export type CertificationImportAnswer = {
  accepted: boolean; message: string; rows: number;
  applied?: number; unchanged?: number; encoding?: string; import_id?: number;
  problems?: CertificationProblem[]; problem_count?: number;
};

/** POST the file's bytes as they are (application/octet-stream): the server decodes UTF-8 or Shift_JIS.
 *  A refused file (422) answers its per-row report, not an error. */
export async function uploadCertificationResults(file: Blob): Promise<CertificationImportAnswer> {
  const r = await fetch(`${API_BASE}/rpc/import_certification_results`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json', 'X-Requested-With': 'nanbyo-web' },
    body: file,
  });
  const text = await r.text();
  let body: any = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  if (r.ok || (r.status === 422 && body && Array.isArray(body.problems))) return body as CertificationImportAnswer;
  throw toApiError(body, r.status);
}

/** 認定結果の一括取込 (municipality staff, C3): the certification system's CSV, all rows or none. */
export function CertificationImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [answer, setAnswer] = useState<CertificationImportAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    if (!file) return;
    setBusy(true); setError(null); setAnswer(null);
    try { setAnswer(await uploadCertificationResults(file)); } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  return (
    <>
      <h1>認定結果の一括取込</h1>
      <p>認定システムから出力した認定結果のCSV（UTF-8 または Shift_JIS）を選んでください。
        ファイル全体を先に検査し、1行でも誤りがあれば1件も反映しません。同じファイルをもう一度取り込んでも何も変わりません。</p>
      <form onSubmit={submit} noValidate aria-label="認定結果のCSV">
        <Field id="ci-file" label="認定結果のCSVファイル" required hint="列の並びと書き方は「認定結果ファイルの仕様」（docs/certification-results.md）のとおりです。">
          {(a) => <input {...a} type="file" accept=".csv,text/csv" onChange={(e) => {
            setAnswer(null); setError(null);
            setFile((e.target as HTMLInputElement).files?.[0] ?? null);
          }} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!file || busy}>{busy ? '取り込み中…' : '取り込む'}</button>
      </form>
      <ErrorBox error={error} />
      {answer && !answer.accepted && (
        <section aria-labelledby="ci-problems">
          <div class="alert alert-error" role="alert"><p>{answer.message}</p></div>
          <div class="table-wrap"><table class="table">
            <caption id="ci-problems">行ごとの誤り（{answer.problem_count ?? answer.problems?.length ?? 0}件{(answer.problem_count ?? 0) > (answer.problems?.length ?? 0) ? `、先頭の${answer.problems?.length}件を表示` : ''}）</caption>
            <thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">内容</th><th scope="col">コード</th></tr></thead>
            <tbody>{answer.problems?.map((p) => (
              <tr><td>{p.line}</td><td>{p.column ? `${p.column_label ?? p.column}（${p.column}）` : '—'}</td><td>{p.message}</td><td><code>{p.code}</code></td></tr>))}</tbody>
          </table></div>
        </section>
      )}
      {answer?.accepted && (
        <section aria-labelledby="ci-done">
          <h2 id="ci-done">取込の結果</h2>
          <Notice kind="success"><p>{answer.message}</p></Notice>
          <dl class="dl">
            <dt>行数</dt><dd>{answer.rows}件</dd>
            <dt>反映</dt><dd>{answer.applied}件</dd>
            <dt>変更なし</dt><dd>{answer.unchanged}件</dd>
          </dl>
        </section>
      )}
    </>
  );
}
