// The municipality's screens (issue #18): fetch a form by its access key
// (typed as the patient reads it: the server normalises), see the primary
// judgment, take it over, correct items (history kept by the server), record
// the review result, register, and print the masked copy for the review board;
// the certification decision and research consent (Certification.tsx, #19);
// the patient's insurance identifiers for the history inquiry (InsuranceIdentifiers.tsx, #20).
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { label, options, mayCall } from '../api/vocab';
import { me } from '../session';
import { go } from '../router';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { FormEditor, JudgmentPanel, type Layout } from '../forms/FormEditor';
import type { CheckAnswer } from '../forms/liveCheck';
import { call, formLayout, printHtml, openHtml } from '../forms/api';
import { FormHeader, HistoryList, changes, type FormDoc } from './Forms';
import { CertificationPanel } from './Certification';
import { InsuranceIdentifiersPanel } from './InsuranceIdentifiers';

/** 票の受付: the access key → the form and its primary judgment → 受付. */
export function KeyLookupPage() {
  const [key, setKey] = useState('');
  const [form, setForm] = useState<FormDoc | null>(null);
  const [layout, setLayout] = useState<Layout | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  async function lookup(e: Event) {
    e.preventDefault(); setError(null); setForm(null);
    try {
      const f = await call<FormDoc>('fetch_form_by_key', { access_key: key });
      setLayout(await formLayout(f.form_version_id)); setForm(f);
    } catch (err) { setError(err as ApiError); }
  }
  async function takeOver() {
    setError(null);
    try {
      const f = await call<FormDoc>('take_over_form', { access_key: key });
      go(`/municipality/forms/${f.id}`);
    } catch (err) { setError(err as ApiError); }
  }
  const items = layout?.sections.flatMap((s) => s.items) ?? [];
  return (
    <>
      <h1>票の照会・受付（アクセスキー）</h1>
      <form class="search-form" onSubmit={lookup} role="search" aria-label="アクセスキーで票を照会">
        <Field id="ak-key" label="アクセスキー" required hint="ハイフン・空白・小文字・全角のままで構いません。">{(a) => (
          <input {...a} type="text" autoComplete="off" spellcheck={false} value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />)}</Field>
        <button class="btn btn-primary" type="submit">照会する</button>
      </form>
      <ErrorBox error={error} />
      {form && layout && (
        <>
          <h2>照会した票</h2>
          <FormHeader form={form} />
          <p>患者: {String(form.data?.patient_name ?? '—')}（{String(form.data?.patient_name_kana ?? '')}）</p>
          <JudgmentPanel layout={layout} answer={form.judgment} itemLabel={(i) => items.find((x) => x.item_id === i)?.label ?? i} />
          {form.status === 'issued' && mayCall(me.value?.role, '/rpc/take_over_form') && (
            <p><button class="btn btn-primary" onClick={takeOver}>この票を受け付ける</button></p>
          )}
          {form.status !== 'issued' && <p><a href={`#/municipality/forms/${form.id}`}>受付済みの票を開く</a></p>}
        </>
      )}
    </>
  );
}

/** 受付した票: corrections (correct_form), the review result, registration, the masked print. */
export function MunicipalityFormPage({ id }: { id: number }) {
  const [form, setForm] = useState<FormDoc | null>(null);
  const [layout, setLayout] = useState<Layout | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [state, setState] = useState<{ data: Record<string, unknown>; answer: CheckAnswer | null }>({ data: {}, answer: null });
  const [result, setResult] = useState('');
  const role = me.value?.role;
  async function load() {
    try {
      const f = await call<FormDoc>('get_form', { form_id: id });
      setLayout(await formLayout(f.form_version_id)); setForm(f);
    } catch (e) { setError(e as ApiError); }
  }
  useEffect(() => { load(); }, [id]);
  if (error && !form) return <><h1>受付した票</h1><ErrorBox error={error} /></>;
  if (!form || !layout) return <p role="status">読み込み中…</p>;
  async function act(fn: () => Promise<void>) {
    setError(null); setNotice(null);
    try { await fn(); } catch (e) { setError(e as ApiError); }
  }
  const correct = () => act(async () => {
    const diff = changes(form.data ?? {}, state.data);
    if (Object.keys(diff).length === 0) { setNotice('変更された項目はありません。'); return; }
    await call('correct_form', { form_id: id, data: diff });
    setEditing(false); setNotice(`${Object.keys(diff).length}項目を修正しました（履歴に残ります）。`);
    await load();
  });
  const review = (e: Event) => { e.preventDefault(); act(async () => {
    await call('review_form', { form_id: id, result });
    setNotice(`審査結果「${label('ReviewResult', result)}」を登録しました。`); await load();
  }); };
  const register = () => act(async () => { await call('register_form', { form_id: id }); setNotice('DBに登録しました。'); await load(); });
  const masked = () => act(async () => { openHtml(await printHtml('print_form_masked', { form_id: id })); });
  return (
    <>
      <h1>受付した票（{form.disease_name}）</h1>
      <FormHeader form={form} />
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      <ErrorBox error={error} />
      <div class="actions">
        {form.status !== 'registered' && mayCall(role, '/rpc/correct_form') && (editing
          ? <><button class="btn btn-primary" onClick={correct}>修正を保存する</button> <button class="btn" onClick={() => setEditing(false)}>修正をやめる</button></>
          : <button class="btn" onClick={() => setEditing(true)}>項目を修正する</button>)}
        {form.status === 'reviewed' && mayCall(role, '/rpc/register_form') && <button class="btn btn-primary" onClick={register}>DBに登録する</button>}
        {mayCall(role, '/rpc/print_form_masked') && <button class="btn" onClick={masked}>審査会用に印刷する（マスク済み）</button>}
      </div>
      {form.status === 'taken_over' && mayCall(role, '/rpc/review_form') && (
        <form onSubmit={review} class="search-form" aria-label="審査結果の登録">
          <fieldset>
            <legend>審査結果<span class="required">※必須</span></legend>
            {options('ReviewResult').map((o) => (
              <label class="choice"><input type="radio" name="review" value={o.code} checked={result === o.code} onChange={() => setResult(o.code)} />{o.label}</label>
            ))}
          </fieldset>
          <button class="btn btn-primary" type="submit" disabled={!result}>審査結果を登録する</button>
        </form>
      )}
      {['taken_over', 'reviewed', 'registered'].includes(form.status) && (
        <CertificationPanel formId={form.id} program={form.program} status={form.status} cert={form.certification ?? null} onSaved={load} />
      )}
      <InsuranceIdentifiersPanel formId={form.id} />
      <FormEditor key={`${form.id}-${editing}-${form.history?.length}`} layout={layout} initial={form.data ?? {}} readOnly={!editing}
        firstAnswer={form.judgment} onState={(data, answer) => setState({ data, answer })} />
      <HistoryList form={form} />
    </>
  );
}
