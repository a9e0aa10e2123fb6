// マスタ管理 (D4, the operator admin): 実施主体 with their public payer
// numbers, 医療機関 (the CSV import with its per-row report, list and
// search), 様式の版 (periods, the last online day, publishing from a JSON
// file). Every rule is the database's; labels come from the vocabulary.
import { useEffect, useState } from 'preact/hooks';
import { rpc, rpcText, view, type ApiError } from '../api/client';
import { label, options } from '../api/vocab';
import { route } from '../router';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { readText } from '../ui/readFile';

type PayerNumber = { id: number; program: string; number: string; valid_from: string; valid_until: string | null; note: string | null };
type Body = { id: number; code: string; name: string; prefecture_code: string; municipality_kind: string; runs_nanbyo: boolean; runs_shoman: boolean; public_payer_numbers: PayerNumber[] };
type Hospital = { id: number; code: string; name: string; prefecture_code: string; address: string | null; postal_code: string | null; nanbyo_authority_id: number | null; shoman_authority_id: number | null };
type Period = { id: number; disease_code: string; program: string; disease_name: string; version_label: string; effective_from: string; online_until: string | null; paper_until: string | null; state: string };
type Problem = { line: number; column: string | null; code: string; message: string };

const SECTIONS = [
  { path: '/master', text: '実施主体' },
  { path: '/master/hospitals', text: '医療機関' },
  { path: '/master/forms', text: '様式の版' },
  { path: '/master/history', text: '変更履歴' },
];

function MasterNav() {
  const here = route.value.split('?')[0];
  return (
    <nav aria-label="マスタの種類" class="subnav">
      <ul>{SECTIONS.map((s) => (
        <li><a href={`#${s.path}`} aria-current={here === s.path ? 'page' : undefined}>{s.text}</a></li>
      ))}</ul>
    </nav>
  );
}

const programs = (b: Body) => [b.runs_nanbyo && 'nanbyo', b.runs_shoman && 'shoman'].filter(Boolean) as string[];

/** 実施主体: the bodies of a prefecture, their payer numbers; add and end numbers. */
export function BodiesPage() {
  const [bodies, setBodies] = useState<Body[] | null>(null);
  const [pref, setPref] = useState('13');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [form, setForm] = useState({ organisation_id: '', program: 'nanbyo', number: '', valid_from: '', valid_until: '', note: '' });
  const [ends, setEnds] = useState<Record<number, string>>({});
  const load = () => view<Body>('implementing_bodies', (q) => q.order('code')).then(setBodies, (e) => setError(e));
  useEffect(() => { load(); }, []);
  const prefectures = (bodies ?? []).filter((b) => b.municipality_kind === 'prefecture');
  const shown = (bodies ?? []).filter((b) => b.prefecture_code === pref);
  const set = (k: string) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  async function add(e: Event) {
    e.preventDefault(); setError(null); setDone(null);
    try {
      const r = await rpc('add_public_payer_number', {
        organisation_id: Number(form.organisation_id), program: form.program as any, number: form.number,
        valid_from: form.valid_from, valid_until: form.valid_until || undefined, note: form.note || undefined,
      });
      setDone(`公費負担者番号 ${r.number} を登録しました。`);
      setForm({ ...form, number: '', valid_from: '', valid_until: '', note: '' });
      await load();
    } catch (x) { setError(x as ApiError); }
  }
  async function end(p: PayerNumber) {
    setError(null); setDone(null);
    try {
      await rpc('end_public_payer_number', { public_payer_number_id: p.id, valid_until: ends[p.id] ?? '' });
      setDone(`公費負担者番号 ${p.number} の終了日を設定しました。`);
      await load();
    } catch (x) { setError(x as ApiError); }
  }
  return (
    <>
      <h1>マスタ管理: 実施主体</h1>
      <MasterNav />
      <ErrorBox error={error} />
      {done && <Notice kind="success"><p>{done}</p></Notice>}
      <form class="search-form" role="search" aria-label="実施主体の絞り込み" onSubmit={(e) => e.preventDefault()}>
        <Field id="mb-pref" label="都道府県">
          {(a) => <select {...a} value={pref} onChange={(e) => setPref((e.target as HTMLSelectElement).value)}>
            {prefectures.map((p) => <option value={p.prefecture_code}>{p.prefecture_code} {p.name}</option>)}
          </select>}
        </Field>
      </form>
      {bodies && (
        <table class="table">
          <caption>{shown.length}団体（{prefectures.find((p) => p.prefecture_code === pref)?.name}）</caption>
          <thead><tr><th scope="col">団体コード</th><th scope="col">名称</th><th scope="col">区分</th><th scope="col">実施する制度</th><th scope="col">公費負担者番号</th></tr></thead>
          <tbody>{shown.map((b) => (
            <tr>
              <td><code>{b.code}</code></td>
              <td>{b.name}</td>
              <td>{label('MunicipalityKind', b.municipality_kind)}</td>
              <td>{programs(b).map((p) => label('Program', p)).join('・')}</td>
              <td>
                {b.public_payer_numbers.length === 0 ? '未登録' : (
                  <ul class="plain">{b.public_payer_numbers.map((p) => (
                    <li>
                      <code>{p.number}</code>（{label('Program', p.program)}、{p.valid_from}〜{p.valid_until ?? ''}）
                      {p.valid_until == null && (
                        <span class="inline">
                          <label for={`mb-end-${p.id}`} class="visually-hidden">{p.number} の終了日</label>
                          <input id={`mb-end-${p.id}`} type="date" value={ends[p.id] ?? ''}
                            onInput={(e) => setEnds({ ...ends, [p.id]: (e.target as HTMLInputElement).value })} />
                          <button class="btn" type="button" onClick={() => end(p)}>終了日を設定</button>
                        </span>
                      )}
                    </li>
                  ))}</ul>
                )}
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      <h2 id="mb-add">公費負担者番号の登録</h2>
      <form onSubmit={add} aria-labelledby="mb-add" noValidate>
        <div class="grid-2">
          <Field id="mb-body" label="実施主体" required>
            {(a) => <select {...a} value={form.organisation_id} onChange={set('organisation_id')}>
              <option value="">選択してください</option>
              {shown.map((b) => <option value={String(b.id)}>{b.name}（{b.code}）</option>)}
            </select>}
          </Field>
          <Field id="mb-program" label="制度" required>
            {(a) => <select {...a} value={form.program} onChange={set('program')}>
              {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
            </select>}
          </Field>
          <Field id="mb-number" label="公費負担者番号" required hint="8桁（法別番号2桁＋都道府県番号2桁＋実施機関番号3桁＋検証番号）">
            {(a) => <input {...a} type="text" inputMode="numeric" value={form.number} onInput={set('number')} />}
          </Field>
          <Field id="mb-from" label="開始日" required>
            {(a) => <input {...a} type="date" value={form.valid_from} onInput={set('valid_from')} />}
          </Field>
          <Field id="mb-until" label="終了日" hint="空欄: 期限なし">
            {(a) => <input {...a} type="date" value={form.valid_until} onInput={set('valid_until')} />}
          </Field>
          <Field id="mb-note" label="備考">
            {(a) => <input {...a} type="text" value={form.note} onInput={set('note')} />}
          </Field>
        </div>
        <button class="btn btn-primary" type="submit">登録する</button>
      </form>
    </>
  );
}

/** 医療機関: the CSV import (docs/hospital-master.md) with its report; list and search. */
export function HospitalsPage() {
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [report, setReport] = useState<any>(null);
  const [busy, setBusy] = useState(false);
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<Hospital[] | null>(null);
  const [bodies, setBodies] = useState<Record<number, string>>({});
  useEffect(() => {
    view<{ id: number; name: string }>('implementing_bodies', (x) => x.select('id,name'))
      .then((l) => setBodies(Object.fromEntries(l.map((b) => [b.id, b.name]))), () => {});
  }, []);
  async function search(e?: Event) {
    e?.preventDefault(); setError(null);
    const t = q.trim().replace(/[,()*]/g, '');
    try {
      setRows(await view<Hospital>('organisations', (x) => {
        let y = x.select('id,code,name,prefecture_code,address,postal_code,nanbyo_authority_id,shoman_authority_id').eq('kind', 'hospital');
        if (t) y = y.or(`code.like.${t}*,name.ilike.*${t}*`);
        return y.order('code').limit(100);
      }));
    } catch (x) { setError(x as ApiError); }
  }
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setReport(null); setBusy(true);
    try {
      setReport(await rpcText('import_hospitals_csv', csv));
    } catch (x) {
      const b = (x as ApiError).body;
      if (b && Array.isArray(b.problems)) setReport(b); else setError(x as ApiError);
    } finally { setBusy(false); }
  }
  return (
    <>
      <h1>マスタ管理: 医療機関</h1>
      <MasterNav />
      <h2 id="mh-import">CSVファイルの取込み</h2>
      <p>医療機関マスタのCSV（1行目は見出し行）を取り込みます。全行を先に検査し、1行でも誤りがあれば1件も取り込みません。同じファイルをもう一度取り込んでも変わりません。</p>
      <form onSubmit={submit} aria-labelledby="mh-import" noValidate>
        <ErrorBox error={error} />
        <Field id="mh-file" label="CSVファイル">
          {(a) => <input {...a} type="file" accept=".csv,text/csv" onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            setReport(null);
            if (file) { setCsv(await readText(file)); setFileName(file.name); }
          }} />}
        </Field>
        {fileName && <p class="hint">選択中: {fileName}</p>}
        <Field id="mh-csv" label="CSVの内容" required>
          {(a) => <textarea {...a} rows={6} value={csv} onInput={(e) => setCsv((e.target as HTMLTextAreaElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={busy}>取り込む</button>
      </form>
      {report && !report.accepted && (
        <section aria-labelledby="mh-problems">
          <div class="alert alert-error" role="alert"><p>{report.message}</p></div>
          <table class="table"><caption id="mh-problems">行ごとの誤り（{report.problems?.length ?? 0}件）</caption>
            <thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">内容</th><th scope="col">コード</th></tr></thead>
            <tbody>{report.problems?.map((p: Problem) => <tr><td>{p.line}</td><td>{p.column ?? '—'}</td><td>{p.message}</td><td><code>{p.code}</code></td></tr>)}</tbody>
          </table>
        </section>
      )}
      {report?.accepted && (
        <section aria-labelledby="mh-done">
          <Notice kind="success"><p>取り込みました: {label('HospitalImportResult', 'added')} {report.added}件、{label('HospitalImportResult', 'updated')} {report.updated}件、{label('HospitalImportResult', 'unchanged')} {report.unchanged}件</p></Notice>
          <table class="table"><caption id="mh-done">取込み結果</caption>
            <thead><tr><th scope="col">行</th><th scope="col">医療機関コード</th><th scope="col">名称</th><th scope="col">結果</th></tr></thead>
            <tbody>{report.results?.map((r: any) => <tr><td>{r.line}</td><td><code>{r.code}</code></td><td>{r.name}</td><td>{label('HospitalImportResult', r.result)}</td></tr>)}</tbody>
          </table>
        </section>
      )}
      <h2 id="mh-list">医療機関の一覧・検索</h2>
      <form class="search-form" role="search" aria-labelledby="mh-list" onSubmit={search}>
        <Field id="mh-q" label="医療機関コード（前方一致）または名称">
          {(a) => <input {...a} type="text" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />}
        </Field>
        <button class="btn" type="submit">検索する</button>
      </form>
      {rows && (rows.length === 0 ? <p role="status">該当する医療機関はありません。</p> : (
        <table class="table"><caption>{rows.length}件{rows.length === 100 ? '（先頭100件）' : ''}</caption>
          <thead><tr><th scope="col">医療機関コード</th><th scope="col">名称</th><th scope="col">所在地</th><th scope="col">{label('Program', 'nanbyo')}の発行自治体</th><th scope="col">{label('Program', 'shoman')}の発行自治体</th></tr></thead>
          <tbody>{rows.map((h) => (
            <tr>
              <td><code>{h.code}</code></td><td>{h.name}</td>
              <td>{h.postal_code ? `〒${h.postal_code.slice(0, 3)}-${h.postal_code.slice(3)} ` : ''}{h.address ?? ''}</td>
              <td>{h.nanbyo_authority_id ? bodies[h.nanbyo_authority_id] ?? h.nanbyo_authority_id : '—'}</td>
              <td>{h.shoman_authority_id ? bodies[h.shoman_authority_id] ?? h.shoman_authority_id : '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      ))}
    </>
  );
}

/** 様式の版: each version's periods; the last online day; publishing a version from a JSON file. */
export function FormVersionsPage() {
  const [rows, setRows] = useState<Period[] | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [days, setDays] = useState<Record<number, string>>({});
  const [definition, setDefinition] = useState<unknown>(null);
  const [fileName, setFileName] = useState('');
  const [previousUntil, setPreviousUntil] = useState('');
  const load = () => view<Period>('form_version_periods', (q) => q.order('disease_code').order('effective_from')).then(setRows, (e) => setError(e));
  useEffect(() => { load(); }, []);
  async function setLastDay(v: Period) {
    setError(null); setDone(null);
    try {
      const r = await rpc('set_form_version_online_until', { form_version_id: v.id, last_day: days[v.id] ?? '' });
      setDone(`${v.disease_name}「${v.version_label}」のオンライン登録最終日を ${r.online_until} にしました（紙の様式は ${r.paper_until} まで）。`);
      await load();
    } catch (x) { setError(x as ApiError); }
  }
  async function publish(e: Event) {
    e.preventDefault(); setError(null); setDone(null);
    try {
      const r = await rpc('publish_form_version', { definition: definition as any, previous_online_until: previousUntil || undefined });
      setDone(`${r.disease_name}「${r.version_label}」を公開しました（${r.effective_from} から）。` +
        (r.previous ? `前の版「${r.previous.version_label}」のオンライン登録は ${r.previous.online_until} までです。` : ''));
      setDefinition(null); setFileName(''); setPreviousUntil('');
      await load();
    } catch (x) { setError(x as ApiError); }
  }
  return (
    <>
      <h1>マスタ管理: 様式の版</h1>
      <MasterNav />
      <ErrorBox error={error} />
      {done && <Notice kind="success"><p>{done}</p></Notice>}
      {rows && (
        <table class="table">
          <caption>様式の版と期間（{rows.length}件）。紙の様式はオンライン登録最終日の1年後まで受け付けます。</caption>
          <thead><tr><th scope="col">疾病</th><th scope="col">版</th><th scope="col">制度</th><th scope="col">適用開始日</th><th scope="col">オンライン登録最終日</th><th scope="col">紙の様式の受付最終日</th><th scope="col">状態</th><th scope="col">最終日の設定</th></tr></thead>
          <tbody>{rows.map((v) => (
            <tr>
              <td>{v.disease_name}（{v.disease_code}）</td>
              <td>{v.version_label}</td>
              <td>{label('Program', v.program)}</td>
              <td>{v.effective_from}</td>
              <td>{v.online_until ?? '—'}</td>
              <td>{v.paper_until ?? '—'}</td>
              <td>{label('FormVersionState', v.state)}</td>
              <td>
                <span class="inline">
                  <label for={`mf-day-${v.id}`} class="visually-hidden">{v.disease_code} {v.version_label} のオンライン登録最終日</label>
                  <input id={`mf-day-${v.id}`} type="date" value={days[v.id] ?? ''}
                    onInput={(e) => setDays({ ...days, [v.id]: (e.target as HTMLInputElement).value })} />
                  <button class="btn" type="button" onClick={() => setLastDay(v)}>設定</button>
                </span>
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
      <h2 id="mf-publish">新しい版の公開</h2>
      <form onSubmit={publish} aria-labelledby="mf-publish" noValidate>
        <Field id="mf-file" label="様式定義ファイル（JSON）" required hint="extension/core/FORMS.md の形式。適用開始日は現在の版より後にしてください。">
          {(a) => <input {...a} type="file" accept=".json,application/json" onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            setError(null); setDefinition(null); setFileName(file?.name ?? '');
            if (!file) return;
            try { setDefinition(JSON.parse(await readText(file))); } catch { setError(new Error('ファイルを JSON として読めません。')); }
          }} />}
        </Field>
        {fileName && <p class="hint">選択中: {fileName}</p>}
        <Field id="mf-previous" label="前の版のオンライン登録最終日" hint="空欄: 新しい版の適用開始日の前日">
          {(a) => <input {...a} type="date" value={previousUntil} onInput={(e) => setPreviousUntil((e.target as HTMLInputElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={definition == null}>公開する</button>
      </form>
    </>
  );
}

type HistoryRow = { id: number; at: string; table_name: string; record_id: number; action: string; before: Record<string, unknown> | null; after: Record<string, unknown>; login_id: string | null };

/** The fields a history row changed, each as 「field: before → after」 (all fields of an insert). */
export function changes(h: Pick<HistoryRow, 'before' | 'after'>): string[] {
  const show = (v: unknown) => (v == null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return Object.keys(h.after ?? {})
    .filter((k) => k !== 'id' && (h.before == null ? h.after[k] != null : JSON.stringify(h.before[k]) !== JSON.stringify(h.after[k])))
    .map((k) => (h.before == null ? `${k}: ${show(h.after[k])}` : `${k}: ${show(h.before[k])} → ${show(h.after[k])}`));
}

/** 変更履歴: the newest changes of the master (who, when, before and after). */
export function MasterHistoryPage() {
  const [rows, setRows] = useState<HistoryRow[] | null>(null);
  const [table, setTable] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    view<HistoryRow>('master_history', (q) => {
      let y = q.order('id', { ascending: false }).limit(100);
      if (table) y = y.eq('table_name', table);
      return y;
    }).then(setRows, (e) => setError(e));
  }, [table]);
  return (
    <>
      <h1>マスタ管理: 変更履歴</h1>
      <MasterNav />
      <ErrorBox error={error} />
      <form class="search-form" role="search" aria-label="変更履歴の絞り込み" onSubmit={(e) => e.preventDefault()}>
        <Field id="mhi-table" label="マスタの種類">
          {(a) => <select {...a} value={table} onChange={(e) => setTable((e.target as HTMLSelectElement).value)}>
            <option value="">すべて</option>
            {options('MasterTable').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
      </form>
      {rows && (rows.length === 0 ? <p role="status">変更履歴はありません。</p> : (
        <table class="table"><caption>新しい順に{rows.length}件</caption>
          <thead><tr><th scope="col">日時</th><th scope="col">マスタ</th><th scope="col">ID</th><th scope="col">操作</th><th scope="col">変更者</th><th scope="col">変更内容（変更前 → 変更後）</th></tr></thead>
          <tbody>{rows.map((h) => (
            <tr>
              <td>{new Date(h.at).toLocaleString('ja-JP')}</td>
              <td>{label('MasterTable', h.table_name)}</td>
              <td>{h.record_id}</td>
              <td>{label('MasterHistoryAction', h.action)}</td>
              <td>{h.login_id ?? '（配備）'}</td>
              <td><ul class="plain">{changes(h).map((c) => <li>{c}</li>)}</ul></td>
            </tr>
          ))}</tbody>
        </table>
      ))}
    </>
  );
}
