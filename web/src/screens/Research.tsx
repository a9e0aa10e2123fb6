// 研究利用 (operator, D3): research requests entered on a researcher's
// behalf, the admin's approval or rejection, and the downloads of a finished
// extraction (CSV, data dictionary, summary). Which items a request may ask
// for is the server's answer (api.research_items); every rule is checked by
// the database.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { label, mayCall, options } from '../api/vocab';
import { me } from '../session';
import { call } from '../forms/api';
import { DiseasePicker, diseaseName, useDiseases } from '../forms/DiseasePicker';
import { rpcRaw, saveBlob } from '../ui/download';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

/** A request as api.research_requests answers it (the ResearchRequest schema). */
export type ResearchRequest = {
  id: number; researcher_name: string; researcher_affiliation: string; purpose: string; program: string;
  disease_codes: string[]; fiscal_years: number[]; items: string[]; linked_to: number | null; ndb_linkage: boolean;
  link_approved: boolean; ndb_linkage_approved: boolean; state: string; submitted_by: string | null; submitted_at: string;
  decided_by: string | null; decided_at: string | null; decision_note: string | null; started_at: string | null;
  finished_at: string | null; failure: string | null; row_count: number | null;
};
type Item = { item_id: string; label: string | null; type_label: string | null; unit: string | null; allowed: boolean; refusal_label: string | null };

const when = (s: string | null | undefined) => (s ? String(s).slice(0, 16).replace('T', ' ') : '—');

/** 「2025, 2026」「2024〜2026」 → [2024, 2025, 2026] (the server checks the range). */
export function parseYears(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.normalize('NFKC').split(/[,、\s]+/).filter(Boolean)) {
    const m = part.match(/^(\d{4})(?:[-〜~](\d{4}))?$/);
    if (!m) return [];
    const from = Number(m[1]), to = Number(m[2] ?? m[1]);
    if (to < from || to - from > 20) return [];
    for (let y = from; y <= to; y++) out.add(y);
  }
  return [...out].sort();
}

/** The request form (operator staff and admin). */
function SubmitForm({ requests, onSubmitted }: { requests: ResearchRequest[]; onSubmitted: (r: ResearchRequest) => void }) {
  const list = useDiseases();
  const [f, setF] = useState({ name: '', affiliation: '', purpose: '', program: 'nanbyo', years: '', linked: '', ndb: false });
  const [picked, setPicked] = useState('');
  const [diseases, setDiseases] = useState<string[]>([]);
  const [items, setItems] = useState<Item[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });

  useEffect(() => {
    if (!diseases.length) { setItems([]); return; }
    call<Item[]>('research_items', { program: f.program, disease_codes: diseases })
      .then((x) => { setItems(x); setChosen((c) => c.filter((i) => x.some((y) => y.item_id === i && y.allowed))); })
      .catch((e) => setError(e));
  }, [f.program, diseases.join(',')]);

  function add() {
    if (picked && !diseases.includes(picked)) setDiseases([...diseases, picked]);
    setPicked('');
  }
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setBusy(true);
    try {
      const r = await call<ResearchRequest>('submit_research_request', {
        researcher_name: f.name, researcher_affiliation: f.affiliation, purpose: f.purpose, program: f.program,
        disease_codes: diseases, fiscal_years: parseYears(f.years), items: chosen,
        linked_to: f.linked ? Number(f.linked) : null, ndb_linkage: f.ndb,
      });
      setF({ ...f, name: '', affiliation: '', purpose: '', linked: '', ndb: false }); setDiseases([]); setChosen([]);
      onSubmitted(r);
    } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  const allowed = items.filter((i) => i.allowed);
  const refused = items.filter((i) => !i.allowed);
  return (
    <>
      <h2 id="rs-new-title">申出の登録</h2>
      <p>研究者からの申出を、運営主体の職員が研究者に代わって入力します。承認は運営主体の管理者が行い、抽出は夜間に実行されます。</p>
      <form aria-labelledby="rs-new-title" onSubmit={submit}>
        <Field id="rs-name" label="研究者の氏名" required>
          {(a) => <input {...a} type="text" value={f.name} onInput={set('name')} />}
        </Field>
        <Field id="rs-affiliation" label="研究者の所属" required>
          {(a) => <input {...a} type="text" value={f.affiliation} onInput={set('affiliation')} />}
        </Field>
        <Field id="rs-purpose" label="利用目的" required>
          {(a) => <textarea {...a} rows={3} value={f.purpose} onInput={set('purpose')} />}
        </Field>
        <Field id="rs-program" label="制度" required>
          {(a) => <select {...a} value={f.program} onChange={(e) => { setF({ ...f, program: (e.target as HTMLSelectElement).value }); setDiseases([]); }}>
            {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <fieldset>
          <legend>疾病（1〜100件）</legend>
          <DiseasePicker id="rs-disease" label="追加する疾病" value={picked} onChange={setPicked}
            list={list.filter((d) => d.program === f.program)} />
          <button class="btn" type="button" disabled={!picked} onClick={add}>疾病を追加</button>
          {diseases.length > 0 && <ul class="research-diseases" aria-label="選んだ疾病">
            {diseases.map((c) => <li>{diseaseName(list, c)}（{c}）{' '}
              <button class="btn" type="button" aria-label={`${diseaseName(list, c)}を外す`} onClick={() => setDiseases(diseases.filter((x) => x !== c))}>外す</button></li>)}
          </ul>}
        </fieldset>
        <Field id="rs-years" label="年度（西暦）" required hint="カンマ区切り、または範囲。例: 2024, 2025 / 2023〜2026">
          {(a) => <input {...a} type="text" value={f.years} onInput={set('years')} />}
        </Field>
        {diseases.length > 0 && <fieldset>
          <legend>提供する項目（様式の定義から。個人情報・自由記載は選べません）</legend>
          {allowed.length === 0 && <p>選べる項目はありません。</p>}
          {allowed.map((i) => (
            <div class="field checkbox">
              <input id={`rs-item-${i.item_id}`} type="checkbox" checked={chosen.includes(i.item_id)}
                onChange={(e) => setChosen((e.target as HTMLInputElement).checked ? [...chosen, i.item_id] : chosen.filter((x) => x !== i.item_id))} />
              <label for={`rs-item-${i.item_id}`}>{i.label ?? i.item_id}（{i.item_id}{i.type_label ? `・${i.type_label}` : ''}{i.unit ? `・${i.unit}` : ''}）</label>
            </div>))}
          {refused.length > 0 && <details>
            <summary>選べない項目（{refused.length}件）</summary>
            <ul>{refused.map((i) => <li>{i.label ?? i.item_id}（{i.item_id}）: {i.refusal_label}</li>)}</ul>
          </details>}
        </fieldset>}
        <Field id="rs-linked" label="連結を求める申出（同じ仮名を使う）" hint="管理者が連結を承認したときだけ、同じ患者に同じ仮名が付きます。">
          {(a) => <select {...a} value={f.linked} onChange={set('linked')}>
            <option value="">連結しない</option>
            {requests.map((r) => <option value={String(r.id)}>申出 {r.id}（{r.researcher_name}・{label('ResearchRequestState', r.state)}）</option>)}
          </select>}
        </Field>
        <div class="field checkbox">
          <input id="rs-ndb" type="checkbox" checked={f.ndb} onChange={(e) => setF({ ...f, ndb: (e.target as HTMLInputElement).checked })} />
          <label for="rs-ndb">NDB（レセプト情報）との連結IDを求める</label>
        </div>
        <button class="btn btn-primary" type="submit" disabled={busy}>{busy ? '登録中…' : '申出を登録する'}</button>
      </form>
      <ErrorBox error={error} id="rs-new-error" />
    </>
  );
}

/** The admin's decision on a submitted request. */
function Decide({ r, onDone }: { r: ResearchRequest; onDone: (r: ResearchRequest, text: string) => void }) {
  const [linked, setLinked] = useState(false);
  const [ndb, setNdb] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  async function approve() {
    setError(null);
    try { onDone(await call<ResearchRequest>('approve_research_request', { request_id: r.id, linked, ndb_linkage: ndb }), `申出 ${r.id} を承認しました。夜間に抽出します。`); }
    catch (x) { setError(x as ApiError); }
  }
  async function reject(e: Event) {
    e.preventDefault(); setError(null);
    try { onDone(await call<ResearchRequest>('reject_research_request', { request_id: r.id, reason }), `申出 ${r.id} を却下しました。`); }
    catch (x) { setError(x as ApiError); }
  }
  return (
    <div>
      {r.linked_to != null && <div class="field checkbox">
        <input id={`rs-link-${r.id}`} type="checkbox" checked={linked} onChange={(e) => setLinked((e.target as HTMLInputElement).checked)} />
        <label for={`rs-link-${r.id}`}>申出 {r.linked_to} との連結を認める</label></div>}
      {r.ndb_linkage && <div class="field checkbox">
        <input id={`rs-ndb-${r.id}`} type="checkbox" checked={ndb} onChange={(e) => setNdb((e.target as HTMLInputElement).checked)} />
        <label for={`rs-ndb-${r.id}`}>NDB連結を認める</label></div>}
      <button class="btn btn-primary" type="button" onClick={approve}>承認</button>{' '}
      <button class="btn" type="button" onClick={() => setRejecting(!rejecting)}>却下…</button>
      {rejecting && <form aria-label={`申出 ${r.id} の却下`} onSubmit={reject}>
        <Field id={`rs-reason-${r.id}`} label="却下の理由" required>
          {(a) => <textarea {...a} rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />}
        </Field>
        <button class="btn" type="submit">却下する</button>
      </form>}
      <ErrorBox error={error} />
    </div>
  );
}

/** The downloads of a finished extraction. */
function Downloads({ r, onError }: { r: ResearchRequest; onError: (e: ApiError) => void }) {
  async function get(name: 'research_extraction_csv' | 'research_dictionary' | 'research_summary', file: string) {
    try { saveBlob(await rpcRaw(name, { request_id: r.id }, 'text/csv'), file); } catch (x) { onError(x as ApiError); }
  }
  return (
    <div class="inline">
      <button class="btn" type="button" onClick={() => get('research_extraction_csv', `research-${r.id}.csv`)}>抽出データ（CSV）</button>
      <button class="btn" type="button" onClick={() => get('research_dictionary', `research-${r.id}-dictionary.csv`)}>データ辞書</button>
      <button class="btn" type="button" onClick={() => get('research_summary', `research-${r.id}-summary.csv`)}>集計</button>
    </div>
  );
}

/** 研究利用 (operator): the request form, the list with decisions and downloads. */
export function ResearchPage() {
  const role = me.value?.role;
  const list = useDiseases();
  const [requests, setRequests] = useState<ResearchRequest[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = () => call<ResearchRequest[]>('research_requests', {}).then(setRequests).catch((e) => setError(e));
  useEffect(() => { load(); }, []);
  const admin = mayCall(role, '/rpc/approve_research_request') && role === 'operator_admin';
  const done = (r: ResearchRequest, text: string) => { setNotice(text); setRequests(requests.map((x) => (x.id === r.id ? r : x))); };
  return (
    <>
      <h1>研究利用</h1>
      <p>同意（書面）のある登録済みの票だけを、仮名化して提供します。氏名・住所・生年月日・受給者番号・保険者番号・自由記載は含みません。</p>
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      {mayCall(role, '/rpc/submit_research_request') &&
        <SubmitForm requests={requests} onSubmitted={(r) => { setNotice(`申出 ${r.id} を登録しました（${label('ResearchRequestState', r.state)}）。`); setRequests([r, ...requests]); }} />}
      <h2>申出の一覧</h2>
      <ErrorBox error={error} />
      {requests.length === 0 ? <p>申出はありません。</p> : (
        <div class="table-wrap"><table class="table">
          <caption>{requests.length}件</caption>
          <thead><tr><th scope="col">番号</th><th scope="col">研究者</th><th scope="col">疾病・年度・項目</th><th scope="col">状態</th><th scope="col">操作</th></tr></thead>
          <tbody>{requests.map((r) => (
            <tr>
              <td>{r.id}</td>
              <td>{r.researcher_name}<br />{r.researcher_affiliation}<br /><small>{r.purpose}</small></td>
              <td>{label('Program', r.program)}: {r.disease_codes.map((c) => `${diseaseName(list, c)}（${c}）`).join('、')}<br />
                {r.fiscal_years.join('、')}年度 / {r.items.length}項目
                {r.linked_to != null && <><br />申出 {r.linked_to} と連結{r.state !== 'submitted' ? (r.link_approved ? '（承認）' : '（不承認）') : '（申出）'}</>}
                {r.ndb_linkage && <><br />NDB連結{r.state !== 'submitted' ? (r.ndb_linkage_approved ? '（承認）' : '（不承認）') : '（申出）'}</>}</td>
              <td>{label('ResearchRequestState', r.state)}
                {r.row_count != null && <><br />{r.row_count}行</>}
                {r.failure && <><br /><span class="field-error">{r.failure}</span></>}
                {r.decision_note && <><br /><small>{r.decision_note}</small></>}
                <br /><small>受付 {when(r.submitted_at)}{r.finished_at ? ` / 完了 ${when(r.finished_at)}` : ''}</small></td>
              <td class="actions">
                {r.state === 'submitted' && admin && <Decide r={r} onDone={done} />}
                {r.state === 'done' && <Downloads r={r} onError={setError} />}
              </td>
            </tr>))}</tbody>
        </table></div>
      )}
    </>
  );
}
