// The doctor's and clerk's form screens (issue #18): my forms, a new form,
// the form page (live checks, autosave, confirm, access key, prints,
// comments, carry-over) and the bulk XML upload. Everything judged is the
// server's answer; labels are the server's vocabulary.
import type { Certification } from './Certification';
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { label, options, mayCall } from '../api/vocab';
import { me } from '../session';
import { go } from '../router';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { readText } from '../ui/readFile';
import { FormEditor, type Layout, type Comment } from '../forms/FormEditor';
import { checkForm, type CheckAnswer } from '../forms/liveCheck';
import { call, formLayout, printHtml, openHtml } from '../forms/api';
import { DiseasePicker, useDiseases, diseaseName } from '../forms/DiseasePicker';

type FormRow = { id: number; status: string; disease_code: string; purpose: string; fiscal_year: number; patient_id: number;
  patient_name: string | null; patient_name_kana: string | null; primary_judgment: string | null; updated_at: string };

/** A clerk names the form's doctor: this hospital's doctors (api.list_accounts). */
function useDoctors(enabled: boolean) {
  const [list, setList] = useState<any[]>([]);
  useEffect(() => { if (enabled) call<any[]>('list_accounts', {}).then((l) => setList(l.filter((a) => a.role === 'doctor' && !a.deleted_at)), () => {}); }, [enabled]);
  return list;
}
function DoctorSelect({ id, doctors, value, onChange }: { id: string; doctors: any[]; value: string; onChange: (v: string) => void }) {
  return (
    <Field id={id} label="担当の指定医" required>{(a) => (
      <select {...a} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">（選択してください）</option>
        {doctors.map((d) => <option value={String(d.id)}>{d.name}（{label('Program', d.program)}・{label('DoctorKind', d.doctor_kind)}）</option>)}
      </select>)}</Field>
  );
}

/** 票の一覧: api.search_forms by kana, disease, status, fiscal year. */
export function FormsPage() {
  const list = useDiseases();
  const [q, setQ] = useState({ kana: '', disease: '', status: '', year: '' });
  const [rows, setRows] = useState<FormRow[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  async function search(e?: Event) {
    e?.preventDefault(); setError(null);
    try {
      setRows(await call<FormRow[]>('search_forms', {
        patient_kana: q.kana.trim() || undefined, disease_code: q.disease || undefined,
        status: q.status || undefined, fiscal_year: q.year ? Number(q.year) : undefined, limit: 100,
      }));
    } catch (err) { setError(err as ApiError); setRows(null); }
  }
  useEffect(() => { search(); }, []);
  const set = (k: keyof typeof q) => (e: Event) => setQ({ ...q, [k]: (e.target as HTMLInputElement).value });
  return (
    <>
      <h1>票の一覧</h1>
      <form class="search-form" onSubmit={search} role="search" aria-label="票の検索">
        <Field id="fs-kana" label="氏名カナ（前方一致）">{(a) => <input {...a} type="text" value={q.kana} onInput={set('kana')} />}</Field>
        <DiseasePicker id="fs-disease" label="疾病" any list={list} value={q.disease} onChange={(code) => setQ({ ...q, disease: code })} />
        <Field id="fs-status" label="状態">{(a) => (
          <select {...a} value={q.status} onChange={set('status')}>
            <option value="">すべて</option>
            {options('FormStatus').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>)}</Field>
        <Field id="fs-year" label="年度（西暦）">{(a) => <input {...a} type="text" inputMode="numeric" class="narrow" value={q.year} onInput={set('year')} />}</Field>
        <button class="btn btn-primary" type="submit">検索</button>
      </form>
      <p>
        {mayCall(me.value?.role, '/rpc/create_form') && <a class="btn" href="#/forms/new">新しい票を作成する</a>}{' '}
        {mayCall(me.value?.role, '/rpc/import_forms_xml') && <a class="btn" href="#/forms/bulk">一括登録（XML）</a>}
      </p>
      <ErrorBox error={error} />
      {rows && (rows.length === 0 ? <p role="status">該当する票はありません。</p> : (
        <table class="table">
          <caption>{rows.length}件</caption>
          <thead><tr><th scope="col">票ID</th><th scope="col">患者</th><th scope="col">疾病</th><th scope="col">区分</th><th scope="col">年度</th><th scope="col">状態</th><th scope="col">一次判定</th><th scope="col">更新</th></tr></thead>
          <tbody>{rows.map((r) => (
            <tr>
              <td><a href={`#/forms/${r.id}`}>{r.id}</a></td>
              <td>{r.patient_name}<br /><small>{r.patient_name_kana}</small></td>
              <td>{diseaseName(list, r.disease_code)}（{r.disease_code}）</td>
              <td>{label('FormPurpose', r.purpose)}</td>
              <td>{r.fiscal_year}</td>
              <td>{label('FormStatus', r.status)}</td>
              <td>{label('PrimaryJudgment', r.primary_judgment)}</td>
              <td>{new Date(r.updated_at).toLocaleString('ja-JP')}</td>
            </tr>))}
          </tbody>
        </table>
      ))}
    </>
  );
}

/** 票の作成: a patient, the disease (form version) and the purpose; a clerk names the doctor. */
export function FormNewPage() {
  const list = useDiseases();
  const [patients, setPatients] = useState<any[]>([]);
  const preset = new URLSearchParams(location.hash.split('?')[1] ?? '').get('patient') ?? '';
  const [f, setF] = useState({ patient: preset, disease: '', purpose: 'new', doctor: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const clerk = me.value?.role === 'clerk';
  const doctors = useDoctors(clerk);
  useEffect(() => { call<any[]>('search_patients', {}).then(setPatients, () => {}); }, []);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  async function submit(e: Event) {
    e.preventDefault(); setError(null);
    try {
      const r = await call<{ id: number }>('create_form', {
        patient_id: Number(f.patient) || null, disease_code: f.disease || null, purpose: f.purpose,
        doctor_account_id: clerk && f.doctor ? Number(f.doctor) : undefined,
      });
      go(`/forms/${r.id}`);
    } catch (err) { setError(err as ApiError); }
  }
  return (
    <>
      <h1>新しい票の作成</h1>
      <ErrorBox error={error} />
      <form onSubmit={submit} class="narrow-form">
        <Field id="nf-patient" label="患者" required hint="患者がいないときは先に「患者の登録」をしてください。">{(a) => (
          <select {...a} value={f.patient} onChange={set('patient')}>
            <option value="">（選択してください）</option>
            {patients.map((p) => <option value={String(p.id)}>{p.name}（{p.name_kana}・{p.birth_date}・ID {p.id}）</option>)}
          </select>)}</Field>
        <DiseasePicker id="nf-disease" label="疾病" required list={list} value={f.disease} onChange={(code) => setF({ ...f, disease: code })} />
        <fieldset>
          <legend>申請区分<span class="required">※必須</span></legend>
          {options('FormPurpose').map((o) => (
            <label class="choice"><input type="radio" name="nf-purpose" value={o.code} checked={f.purpose === o.code} onChange={set('purpose')} />{o.label}</label>
          ))}
        </fieldset>
        {clerk && <DoctorSelect id="nf-doctor" doctors={doctors} value={f.doctor} onChange={(v) => setF({ ...f, doctor: v })} />}
        <button class="btn btn-primary" type="submit">下書きを作成する</button>
      </form>
      <CarryOverBox doctors={doctors} />
    </>
  );
}

/** 前回値踏襲 by another hospital's access key (or from a form's page, by its id). */
function CarryOverBox({ sourceId, doctors = [] }: { sourceId?: number; doctors?: any[] }) {
  const [key, setKey] = useState('');
  const [purpose, setPurpose] = useState('renewal');
  const [doctor, setDoctor] = useState('');
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const clerk = me.value?.role === 'clerk';
  if (!mayCall(me.value?.role, '/rpc/carry_over_form')) return null;
  async function run(e: Event) {
    e.preventDefault(); setError(null); setResult(null);
    try {
      setResult(await call('carry_over_form', {
        source_form_id: sourceId ?? undefined, access_key: sourceId ? undefined : key, purpose,
        doctor_account_id: clerk && doctor ? Number(doctor) : undefined,
      }));
    } catch (err) { setError(err as ApiError); }
  }
  return (
    <section aria-labelledby="co-title">
      <h2 id="co-title">前回値踏襲（前回の票から今年度の下書きを作る）</h2>
      <form onSubmit={run} class="search-form">
        {!sourceId && <Field id="co-key" label="前回の票のアクセスキー（他院の票）">{(a) => <input {...a} type="text" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />}</Field>}
        <Field id="co-purpose" label="申請区分">{(a) => (
          <select {...a} value={purpose} onChange={(e) => setPurpose((e.target as HTMLSelectElement).value)}>
            {options('FormPurpose').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>)}</Field>
        {clerk && !sourceId && <DoctorSelect id="co-doctor" doctors={doctors} value={doctor} onChange={setDoctor} />}
        <button class="btn" type="submit">前回値踏襲で下書きを作る</button>
      </form>
      <ErrorBox error={error} />
      {result && <CarryOverReport result={result} />}
    </section>
  );
}

export function CarryOverReport({ result }: { result: any }) {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    formLayout(result.form_version_id).then((l) => setNames(Object.fromEntries(l.sections.flatMap((s) => s.items).map((i) => [i.item_id, i.label]))), () => {});
  }, [result.form_version_id]);
  const one = (x: any) => {
    const id = typeof x === 'string' ? x : x.item_id ?? x.id ?? '';
    const why = typeof x === 'string' ? '' : x.reason ?? x.message ?? '';
    return <li>{names[id] ?? (typeof x === 'string' ? x : x.label ?? id)}<span class="code-tag">（{id}）</span>{why ? `: ${why}` : ''}</li>;
  };
  const list = (xs: any[] | undefined) => (xs && xs.length ? <ul>{xs.map(one)}</ul> : <p>なし</p>);
  return (
    <div role="status">
      <Notice kind="success"><p>票 {result.carried_over_from} から下書き（票ID {result.id}）を作りました。 <a href={`#/forms/${result.id}`}>下書きを開く</a></p></Notice>
      <div class="three-cols">
        <section aria-labelledby="co-copied"><h3 id="co-copied">引き継いだ項目（{result.copied?.length ?? 0}）</h3>{list(result.copied)}</section>
        <section aria-labelledby="co-dropped"><h3 id="co-dropped">引き継がなかった項目（{result.dropped?.length ?? 0}）</h3>{list(result.dropped)}</section>
        <section aria-labelledby="co-new"><h3 id="co-new">今年度の様式で新しい項目（{result.new_items?.length ?? 0}）</h3>{list(result.new_items)}</section>
      </div>
    </div>
  );
}

export type FormDoc = { id: number; status: string; form_version_id: number; disease_code: string; disease_name: string; version_label: string;
  program: string; purpose: string; fiscal_year: number; data: Record<string, unknown>; judgment: CheckAnswer | null; primary_judgment: string | null;
  review_result: string | null; hospital: { name: string; code: string }; doctor: { id: number; name: string } | null;
  comments?: Comment[]; history?: { at: string; part: string; status: string | null; by: string | null; by_role: string | null }[];
  certification?: Certification | null };

export function FormHeader({ form }: { form: FormDoc }) {
  return (
    <dl class="dl form-header">
      <dt>票ID</dt><dd>{form.id}</dd>
      <dt>疾病</dt><dd>{form.disease_name}（{form.disease_code}・{label('Program', form.program)}・{form.version_label}）</dd>
      <dt>申請区分</dt><dd>{label('FormPurpose', form.purpose)}</dd>
      <dt>状態</dt><dd><strong>{label('FormStatus', form.status)}</strong></dd>
      <dt>医療機関・指定医</dt><dd>{form.hospital?.name}（{form.hospital?.code}）・{form.doctor?.name ?? '—'}</dd>
      {form.review_result && <><dt>審査結果</dt><dd>{label('ReviewResult', form.review_result)}</dd></>}
    </dl>
  );
}

export function HistoryList({ form }: { form: FormDoc }) {
  if (!form.history?.length) return null;
  return (
    <details>
      <summary>履歴（{form.history.length}件）</summary>
      <ol>{form.history.map((h) => <li>{new Date(h.at).toLocaleString('ja-JP')}　{label('FormHistoryPart', h.part)}{h.status ? `・${label('FormStatus', h.status)}` : ''}　{h.by ? `${h.by}（${label('Role', h.by_role)}）` : ''}</li>)}</ol>
    </details>
  );
}

/** Changed items since `base` (null removes an item). */
export function changes(base: Record<string, unknown>, now: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of new Set([...Object.keys(base), ...Object.keys(now)])) {
    const a = base[k] ?? null, b = now[k] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) out[k] = b;
  }
  return out;
}

/** 票の画面 (doctor, clerk): the draft with live checks, or the confirmed form with its key and prints. */
export function FormPage({ id }: { id: number }) {
  const [form, setForm] = useState<FormDoc | null>(null);
  const [layout, setLayout] = useState<Layout | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [key, setKey] = useState<string | null>(null);
  const [state, setState] = useState<{ data: Record<string, unknown>; answer: CheckAnswer | null }>({ data: {}, answer: null });
  const [commentItem, setCommentItem] = useState<string>('');
  const [commentBody, setCommentBody] = useState('');
  const [saved, setSaved] = useState<Record<string, unknown>>({});
  const role = me.value?.role;

  const [firstAnswer, setFirstAnswer] = useState<CheckAnswer | null>(null);
  async function load() {
    try {
      const f = await call<FormDoc>('get_form', { form_id: id });
      // a draft's first check runs while its layout loads (time to interactive)
      const [l, a] = await Promise.all([
        formLayout(f.form_version_id),
        f.status === 'draft' ? checkForm(f.form_version_id, f.data ?? {}, new AbortController().signal).catch(() => null) : Promise.resolve(f.judgment),
      ]);
      setFirstAnswer(a); setForm(f); setSaved(f.data ?? {}); setLayout(l);
    } catch (e) { setError(e as ApiError); }
  }
  useEffect(() => { setForm(null); setLayout(null); setKey(null); load(); }, [id]);
  if (error && !form) return <><h1>票</h1><ErrorBox error={error} /></>;
  if (!form || !layout) return <p role="status">読み込み中…</p>;

  const draft = form.status === 'draft';
  async function act(fn: () => Promise<void>) {
    setError(null); setNotice(null);
    try { await fn(); } catch (e) { setError(e as ApiError); document.getElementById('form-actions')?.scrollIntoView?.(); }
  }
  let base = saved;
  const save = async (data: Record<string, unknown>) => {
    const diff = changes(base, data);
    if (Object.keys(diff).length === 0) return;
    const r = await call<{ judgment: CheckAnswer }>('save_form', { form_id: id, data: diff });
    base = data; setSaved(data);
    return r.judgment;
  };
  const confirm = () => act(async () => {
    await save(state.data);
    await call('confirm_form', { form_id: id });
    setNotice('票を確定しました。アクセスキーを発行できます。');
    await load();
  });
  const issueKey = () => act(async () => {
    const r = await call<{ access_key: string; reissued: boolean }>('issue_access_key', { form_id: id });
    setKey(r.access_key);
    setNotice(r.reissued ? 'アクセスキーを再発行しました（前のキーは使えません）。' : 'アクセスキーを発行しました。');
    await load();
  });
  const print = (name: 'print_form' | 'print_access_key_slip', withKey: boolean) => act(async () => {
    openHtml(await printHtml(name, { form_id: id, access_key: withKey ? key ?? undefined : undefined }));
  });
  const comment = (e: Event) => { e.preventDefault(); act(async () => {
    await call('comment_on_form', { form_id: id, body: commentBody, item_id: commentItem || undefined });
    setCommentBody(''); setNotice('コメントを登録しました。');
    const f = await call<FormDoc>('get_form', { form_id: id });
    setForm({ ...form, comments: f.comments });
  }); };
  const items = layout.sections.flatMap((s) => s.items);
  const itemLabel = (i: string | null) => (i ? items.find((x) => x.item_id === i)?.label ?? i : '票全体');

  return (
    <>
      <h1>{form.disease_name}の{draft ? '票（下書き）' : '票'}</h1>
      <FormHeader form={form} />
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      {key && (
        <div class="alert alert-warning" role="alert">
          <p>アクセスキー: <code class="secret">{key}</code></p>
          <p>キーはこの画面で一度だけ表示されます。票と一緒に印刷して患者に渡してください。</p>
        </div>
      )}
      <div id="form-actions" class="actions">
        <ErrorBox error={error} />
        {draft && role === 'doctor' && mayCall(role, '/rpc/confirm_form') && (
          <button class="btn btn-primary" onClick={confirm} disabled={!!state.answer && state.answer.errors.length > 0}
            aria-describedby="confirm-hint">確定する</button>
        )}
        {draft && role === 'doctor' && <span class="hint" id="confirm-hint">{state.answer?.errors.length ? `エラーが${state.answer.errors.length}件あるため確定できません。` : 'エラーがなければ確定できます。'}</span>}
        {!draft && mayCall(role, '/rpc/issue_access_key') && ['confirmed', 'issued'].includes(form.status) && (
          <button class="btn btn-primary" onClick={issueKey}>{form.status === 'issued' ? 'アクセスキーを再発行する' : 'アクセスキーを発行する'}</button>
        )}
        {mayCall(role, '/rpc/print_form') && <button class="btn" onClick={() => print('print_form', true)}>票を印刷する{key ? '（アクセスキー付き）' : ''}</button>}
        {key && <button class="btn" onClick={() => print('print_access_key_slip', true)}>アクセスキーの控えを印刷する</button>}
      </div>
      <FormEditor key={`${form.id}-${form.status}`} layout={layout} initial={form.data ?? {}} readOnly={!draft}
        firstAnswer={firstAnswer} save={draft ? save : undefined} comments={form.comments ?? []}
        onComment={draft ? (i) => { setCommentItem(i); document.getElementById('cm-body')?.focus(); } : undefined}
        onState={(data, answer) => setState({ data, answer })} />
      <section aria-labelledby="cm-title">
        <h2 id="cm-title">コメント（{form.comments?.length ?? 0}件）</h2>
        {form.comments?.length ? (
          <ul class="comment-list">{form.comments.map((c) => <li><strong>{itemLabel(c.item_id)}</strong>: {c.body}<br /><small>{c.author}（{label('Role', c.author_role)}）・{new Date(c.created_at).toLocaleString('ja-JP')}</small></li>)}</ul>
        ) : <p>コメントはありません。</p>}
        {draft && mayCall(role, '/rpc/comment_on_form') && (
          <form onSubmit={comment}>
            <Field id="cm-item" label="対象の項目">{(a) => (
              <select {...a} value={commentItem} onChange={(e) => setCommentItem((e.target as HTMLSelectElement).value)}>
                <option value="">票全体</option>
                {items.map((i) => <option value={i.item_id}>{i.label}</option>)}
              </select>)}</Field>
            <Field id="cm-body" label="コメント" required>{(a) => <textarea {...a} rows={3} value={commentBody} onInput={(e) => setCommentBody((e.target as HTMLTextAreaElement).value)} />}</Field>
            <button class="btn" type="submit">コメントを登録する</button>
          </form>
        )}
      </section>
      {!draft && <CarryOverBox sourceId={form.id} />}
      <HistoryList form={form} />
    </>
  );
}

/** 一括登録（XML）: the dry run first (check_forms_xml), then the import, each with its per-form report. */
export function BulkXmlPage() {
  const [file, setFile] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [report, setReport] = useState<any>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(fn: 'check_forms_xml' | 'import_forms_xml') {
    if (!file) return;
    setBusy(true); setError(null); setReport(null);
    try { setReport(await call(fn, { file })); } catch (e) { setError(e as ApiError); } finally { setBusy(false); }
  }
  return (
    <>
      <h1>一括登録（XML）</h1>
      <p>まず「事前チェック」で登録と同じ検査をします（何も保存しません）。結果を確かめてから「登録する」を押してください。</p>
      <Field id="bx-file" label="XMLファイル" required>{(a) => (
        <input {...a} type="file" accept=".xml,text/xml,application/xml" onChange={async (e) => {
          const f = (e.target as HTMLInputElement).files?.[0];
          setReport(null); setFile(f ? await readText(f) : null); setName(f?.name ?? '');
        }} />)}</Field>
      <p>
        <button class="btn" disabled={!file || busy} onClick={() => run('check_forms_xml')}>事前チェック</button>{' '}
        <button class="btn btn-primary" disabled={!file || busy || !report?.dry_run} onClick={() => run('import_forms_xml')}>登録する</button>
      </p>
      <ErrorBox error={error} />
      {report && <BulkReport report={report} name={name} />}
    </>
  );
}

function BulkReport({ report, name }: { report: any; name: string }) {
  return (
    <section aria-labelledby="bx-title" role="status">
      <h2 id="bx-title">{report.dry_run ? '事前チェックの結果' : '登録の結果'}（{name}）</h2>
      <p>{report.hospital?.name}: {report.forms}件中 {label('ImportResult', 'accepted')} {report.accepted}件・{label('ImportResult', 'rejected')} {report.rejected}件・{label('ImportResult', 'duplicate')} {report.duplicates ?? 0}件（エラー {report.errors ?? 0}件・確認 {report.warnings ?? 0}件）</p>
      <table class="table">
        <thead><tr><th scope="col">番号</th><th scope="col">結果</th><th scope="col">票ID</th><th scope="col">指摘</th></tr></thead>
        <tbody>{(report.results ?? []).map((r: any, n: number) => (
          <tr>
            <td>{r.index ?? r.position ?? n + 1}</td>
            <td>{label('ImportResult', r.result)}</td>
            <td>{r.form_id ? <a href={`#/forms/${r.form_id}`}>{r.form_id}</a> : '—'}</td>
            <td>{(r.problems ?? []).length ? <ul>{r.problems.map((p: any) => <li>{p.severity === 'error' ? 'エラー' : '確認'}: {p.message}（<code>{p.code}</code>{p.item ? `・${p.item}` : ''}）</li>)}</ul> : 'なし'}</td>
          </tr>))}
        </tbody>
      </table>
    </section>
  );
}
