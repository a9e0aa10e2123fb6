// The certification panel of the municipality's form screen (C2, issue #19):
// outcome, refusal reason, recipient and public payer numbers, validity,
// income tier, special case, the 行政記載欄, and the patient's written
// research-use consent. Every rule is the database's
// (app.certification_problems): a refusal shows the server's problems by
// field (check_certification); the monthly cap and 登録者証 eligibility
// are shown as the server computed them, never computed here.
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { label, options, mayCall, adminBoxItems } from '../api/vocab';
import { me } from '../session';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { call } from '../forms/api';

export type ResearchConsent = { consented_on: string; recorded_at: string; recorded_by: string | null; withdrawn_on: string | null; active: boolean };
export type Certification = {
  scope: 'municipality' | 'outcome'; outcome: string | null; refusal_reason: string | null; refusal_note?: string | null;
  registration_card_eligible: boolean | null; recipient_number?: string | null; public_payer_number?: string | null;
  application_received_on?: string | null; valid_from: string | null; valid_until: string | null; early_start_reason?: string | null;
  income_tier?: string | null; special_case?: string | null; monthly_cap_yen?: number | null; admin_box?: Record<string, string>;
  recorded_at?: string | null; recorded_by?: string | null; research_consent?: ResearchConsent | null;
};
type Problem = { field: string; code: string; message: string };

const GRANTED_FIELDS = ['recipient_number', 'public_payer_number', 'valid_from', 'valid_until', 'early_start_reason', 'income_tier', 'special_case'] as const;
type Draft = Record<string, string> & { outcome: string };

function draftOf(c: Certification | null | undefined): Draft {
  const d: Draft = { outcome: c?.outcome ?? '' };
  for (const k of ['refusal_reason', 'refusal_note', 'application_received_on', ...GRANTED_FIELDS] as const) d[k] = (c as any)?.[k] ?? '';
  if (!d.special_case) d.special_case = 'none';
  return d;
}

/** What is sent: the outcome's own fields, the 行政記載欄, nothing left empty. */
export function certificationPayload(d: Draft, box: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { outcome: d.outcome };
  const keys = d.outcome === 'refused' ? ['refusal_reason', 'refusal_note']
    : d.outcome === 'granted' ? ['application_received_on', ...GRANTED_FIELDS] : [];
  for (const k of keys) if ((d[k] ?? '').trim() !== '') out[k] = d[k].trim();
  const admin = Object.fromEntries(Object.entries(box).filter(([, v]) => (v ?? '').trim() !== '').map(([k, v]) => [k, v.trim()]));
  if (Object.keys(admin).length) out.admin_box = admin;
  return out;
}

const yen = (n: number | null | undefined) => (n == null ? '—' : `${n.toLocaleString('ja-JP')}円`);

/** The decision as recorded (the server's values). */
export function CertificationSummary({ cert, program }: { cert: Certification; program: string }) {
  return (
    <dl class="dl" aria-label="記録された認定結果">
      <dt>認定結果</dt><dd><strong>{label('ReviewResult', cert.outcome)}</strong></dd>
      {cert.refusal_reason && <><dt>不認定の理由</dt><dd>{label('RefusalReason', cert.refusal_reason)}{cert.refusal_note ? `（${cert.refusal_note}）` : ''}</dd></>}
      {cert.outcome === 'refused' && <><dt>登録者証</dt><dd>{cert.registration_card_eligible ? '交付の対象（重症度分類等のみ満たさない）' : '対象外'}</dd></>}
      {cert.valid_from && <><dt>有効期間</dt><dd>{cert.valid_from} ～ {cert.valid_until}</dd></>}
      {cert.recipient_number && <><dt>受給者番号</dt><dd>{cert.recipient_number}</dd></>}
      {cert.public_payer_number && <><dt>公費負担者番号</dt><dd>{cert.public_payer_number}</dd></>}
      {cert.income_tier && <><dt>階層区分</dt><dd>{label('IncomeTier', cert.income_tier)}</dd></>}
      {cert.special_case && <><dt>特例区分</dt><dd>{label(`SpecialCase:${program}`, cert.special_case)}</dd></>}
      {cert.outcome === 'granted' && <><dt>自己負担上限月額</dt><dd><strong>{yen(cert.monthly_cap_yen)}</strong></dd></>}
      {cert.application_received_on && <><dt>申請受付日</dt><dd>{cert.application_received_on}</dd></>}
    </dl>
  );
}

export function CertificationPanel({ formId, program, status, cert, onSaved }: {
  formId: number; program: string; status: string; cert: Certification | null; onSaved: () => Promise<void> | void;
}) {
  const role = me.value?.role;
  const [d, setD] = useState<Draft>(() => draftOf(cert));
  const [box, setBox] = useState<Record<string, string>>(() => ({ ...(cert?.admin_box ?? {}) }));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [consentOn, setConsentOn] = useState('');
  const editable = status !== 'registered' && mayCall(role, '/rpc/record_certification');
  const set = (k: string) => (e: Event) => setD({ ...d, [k]: (e.target as HTMLInputElement).value });
  const problem = (field: string) => problems.filter((p) => p.field === field).map((p) => p.message).join(' ') || null;

  async function save(e: Event) {
    e.preventDefault(); setError(null); setNotice(null); setProblems([]);
    const certification = certificationPayload(d, box);
    try {
      const r = await call<{ certification: Certification }>('record_certification', { form_id: formId, certification });
      const c = r.certification;
      await onSaved();  // (the summary shows the recorded decision before the notice says so)
      setNotice(`認定結果「${label('ReviewResult', c.outcome)}」を記録しました。`
        + (c.outcome === 'granted' ? `自己負担上限月額は ${yen(c.monthly_cap_yen)} です。` : '')
        + (c.registration_card_eligible ? '登録者証の交付の対象です。' : ''));
    } catch (err) {
      const ae = err as ApiError;
      setError(ae);
      if (ae.status === 400 && mayCall(role, '/rpc/check_certification')) {
        try {
          const r = await call<{ problems: Problem[] }>('check_certification', { form_id: formId, certification });
          setProblems(r.problems);
        } catch { /* the error above says enough */ }
      }
    }
  }
  async function consent(fn: 'record_research_consent' | 'withdraw_research_consent') {
    setError(null); setNotice(null);
    try {
      await call(fn, fn === 'record_research_consent' ? { form_id: formId, consented_on: consentOn } : { form_id: formId });
      setConsentOn('');
      await onSaved();
      setNotice(fn === 'record_research_consent' ? '研究利用への同意を記録しました。' : '研究利用への同意の撤回を記録しました。');
    } catch (err) { setError(err as ApiError); }
  }

  const consentRec = cert?.research_consent;
  const field = (k: string, text: string, type = 'text', hint?: string) => (
    <Field id={`cert-${k}`} label={text} hint={hint} error={problem(k)}>{(a) => (
      <input {...a} type={type} value={d[k]} onInput={set(k)} autoComplete="off" />)}</Field>
  );
  return (
    <section class="certification" aria-labelledby="cert-heading">
      <h2 id="cert-heading">認定結果</h2>
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      <ErrorBox error={error} />
      {problems.length > 1 && (
        <div class="alert alert-error" role="alert">
          <p>次の{problems.length}点を確認してください。</p>
          <ul>{problems.map((p) => <li>{p.message}（<code>{p.code}</code>）</li>)}</ul>
        </div>
      )}
      {cert?.outcome && <CertificationSummary cert={cert} program={program} />}
      {editable && (
        <form onSubmit={save} aria-label="認定結果の記録" noValidate>
          <fieldset aria-describedby={problem('outcome') ? 'cert-outcome-error' : undefined}>
            <legend>認定結果<span class="required">※必須</span></legend>
            <div class="choices">
              {options('ReviewResult').map((o) => (
                <label class="choice"><input type="radio" name="cert-outcome" value={o.code} checked={d.outcome === o.code} onChange={set('outcome')} />{o.label}</label>
              ))}
            </div>
            {problem('outcome') && <p class="field-error" id="cert-outcome-error">{problem('outcome')}</p>}
          </fieldset>
          {d.outcome === 'refused' && (
            <>
              <fieldset>
                <legend>不認定の理由<span class="required">※必須</span></legend>
                <div class="choices">
                  {options('RefusalReason').map((o) => (
                    <label class="choice"><input type="radio" name="cert-reason" value={o.code} checked={d.refusal_reason === o.code} onChange={set('refusal_reason')} />{o.label}</label>
                  ))}
                </div>
                {problem('refusal_reason') && <p class="field-error">{problem('refusal_reason')}</p>}
              </fieldset>
              <Field id="cert-refusal_note" label="理由の内容（その他）" error={problem('refusal_note')}>{(a) => (
                <textarea {...a} rows={2} value={d.refusal_note} onInput={set('refusal_note')} />)}</Field>
            </>
          )}
          {d.outcome === 'granted' && (
            <div class="cert-grid">
              {field('recipient_number', '受給者番号', 'text', '7桁（最後の1桁は検証番号）')}
              {field('public_payer_number', '公費負担者番号', 'text', '8桁（法別番号・都道府県番号・実施機関番号・検証番号）')}
              {field('application_received_on', '申請受付日', 'date', '省略すると票を受け付けた日')}
              {field('valid_from', '有効期間の開始日', 'date')}
              {field('valid_until', '有効期間の終了日', 'date')}
              {field('early_start_reason', '開始日を遡る理由（やむを得ない理由があるとき）', 'text')}
              <Field id="cert-income_tier" label="階層区分" error={problem('income_tier')}>{(a) => (
                <select {...a} value={d.income_tier} onChange={set('income_tier')}>
                  <option value="">選択してください</option>
                  {options('IncomeTier').map((o) => <option value={o.code}>{o.label}</option>)}
                </select>)}</Field>
              <fieldset>
                <legend>特例区分</legend>
                <div class="choices">
                  {options(`SpecialCase:${program}`).map((o) => (
                    <label class="choice"><input type="radio" name="cert-special" value={o.code} checked={d.special_case === o.code} onChange={set('special_case')} />{o.label}</label>
                  ))}
                </div>
                {problem('special_case') && <p class="field-error">{problem('special_case')}</p>}
              </fieldset>
            </div>
          )}
          <fieldset>
            <legend>行政記載欄（自治体記入）</legend>
            <div class="cert-grid">
              {adminBoxItems.value.map((i) => (
                <Field id={`cert-box-${i.code}`} label={i.label} error={problem(`admin_box.${i.code}`)}>{(a) => (
                  i.value_type === 'date'
                    ? <input {...a} type="date" value={box[i.code] ?? ''} onInput={(e) => setBox({ ...box, [i.code]: (e.target as HTMLInputElement).value })} />
                    : <input {...a} type="text" maxLength={i.max_length ?? undefined} value={box[i.code] ?? ''} onInput={(e) => setBox({ ...box, [i.code]: (e.target as HTMLInputElement).value })} />)}</Field>
              ))}
            </div>
          </fieldset>
          <button class="btn btn-primary" type="submit" disabled={!d.outcome}>認定結果を記録する</button>
        </form>
      )}
      <h3>研究利用への同意（書面）</h3>
      {consentRec?.active
        ? <p>同意あり（同意日 {consentRec.consented_on}、記録: {consentRec.recorded_by ?? '—'}）</p>
        : <p>{consentRec ? `撤回済み（撤回日 ${consentRec.withdrawn_on}）` : '記録なし'}</p>}
      {mayCall(role, '/rpc/record_research_consent') && (consentRec?.active
        ? <p><button class="btn" onClick={() => consent('withdraw_research_consent')}>同意の撤回を記録する</button></p>
        : (
          <form class="search-form" aria-label="研究利用への同意の記録" onSubmit={(e) => { e.preventDefault(); consent('record_research_consent'); }}>
            <Field id="cert-consent-on" label="同意書の日付" required>{(a) => (
              <input {...a} type="date" value={consentOn} onInput={(e) => setConsentOn((e.target as HTMLInputElement).value)} />)}</Field>
            <button class="btn" type="submit" disabled={!consentOn}>同意を記録する</button>
          </form>
        ))}
    </section>
  );
}
