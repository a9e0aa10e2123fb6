// The insurance identifiers panel of the municipality's form screen (D5,
// issue #20 item 4): the patient's 保険者番号・記号・番号・枝番 as the
// insurance card shows them at the application, recorded or corrected by
// the municipality (api.record_insurance_identifiers checks them: the
// insurer number's check digit, the branch's two digits). The linkage id
// the inquiry returns is never shown here.
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { label, mayCall } from '../api/vocab';
import { me } from '../session';
import { call } from '../forms/api';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

export type InsuranceIdentifiers = {
  form_id: number; patient_id: number; source: string | null; insurer_number: string | null; symbol: string | null;
  number: string | null; branch: string | null; recorded_at: string | null; changed?: boolean;
};
const FIELDS = [
  { key: 'insurer_number', text: '保険者番号', hint: '8桁（国民健康保険は6桁）。最後の1桁は検証番号です。', required: true, mode: 'numeric' },
  { key: 'symbol', text: '記号', hint: '被保険者証等の記号（なければ空欄）。', required: false, mode: 'text' },
  { key: 'number', text: '番号', hint: '被保険者証等の番号。', required: true, mode: 'text' },
  { key: 'branch', text: '枝番', hint: '2桁（例: 01）。記載のない被保険者証は空欄。', required: false, mode: 'numeric' },
] as const;
type Key = typeof FIELDS[number]['key'];

export function InsuranceIdentifiersPanel({ formId }: { formId: number }) {
  const [current, setCurrent] = useState<InsuranceIdentifiers | null>(null);
  const [draft, setDraft] = useState<Record<Key, string>>({ insurer_number: '', symbol: '', number: '', branch: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const mayRecord = mayCall(me.value?.role, '/rpc/record_insurance_identifiers');
  function show(c: InsuranceIdentifiers) {
    setCurrent(c);
    setDraft({ insurer_number: c.insurer_number ?? '', symbol: c.symbol ?? '', number: c.number ?? '', branch: c.branch ?? '' });
  }
  useEffect(() => {
    if (!mayCall(me.value?.role, '/rpc/get_insurance_identifiers')) return;
    call<InsuranceIdentifiers>('get_insurance_identifiers', { form_id: formId }).then(show, (e) => setError(e as ApiError));
  }, [formId]);
  if (!mayRecord) return null;
  async function save(e: Event) {
    e.preventDefault(); setError(null); setNotice(null);
    const args: Record<string, unknown> = { form_id: formId };
    for (const f of FIELDS) if (draft[f.key].trim() !== '') args[f.key] = draft[f.key];
    try {
      const c = await call<InsuranceIdentifiers>('record_insurance_identifiers', args);
      show(c);
      setNotice(c.changed ? '保険の識別情報を記録しました。' : '記録済みの内容と同じです（変更はありません）。');
    } catch (x) { setError(x as ApiError); }
  }
  return (
    <section class="insurance-identifiers" aria-labelledby="ins-heading">
      <h2 id="ins-heading">保険の識別情報（履歴照会用）</h2>
      <p>申請時に確認した被保険者証のとおりに記録してください。履歴照会・回答システムへの照会に使います。</p>
      {current?.source
        ? <p>現在の記録: {label('InsuranceIdentifierSource', current.source)}{current.recorded_at ? `（${new Date(current.recorded_at).toLocaleString('ja-JP')}）` : ''}</p>
        : current && <p>照会に使える記録はまだありません。</p>}
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      <ErrorBox error={error} />
      <form onSubmit={save} noValidate aria-label="保険の識別情報">
        {FIELDS.map((f) => (
          <Field id={`ins-${f.key}`} label={f.text} hint={f.hint} required={f.required}>{(a) => (
            <input {...a} type="text" inputMode={f.mode} autoComplete="off" spellcheck={false} value={draft[f.key]}
              onInput={(e) => setDraft({ ...draft, [f.key]: (e.target as HTMLInputElement).value })} />)}</Field>
        ))}
        <button class="btn btn-primary" type="submit">保険の識別情報を記録する</button>
      </form>
    </section>
  );
}
