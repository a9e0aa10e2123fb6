// A form rendered from api.form_layout and checked live by api.check_form.
// Every label, unit, code list, requirement, finding, derived value and
// judgment is the server's; the client only shows them and sends what is typed.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { label } from '../api/vocab';
import { ErrorBox } from '../ui/ErrorBox';
import { LiveChecker, checkForm, type CheckAnswer, type CheckFn, type Finding } from './liveCheck';

export type LayoutItem = {
  item_id: string; label: string; type: string; type_label?: string; unit: string | null;
  min: number | null; max: number | null; max_length?: number | null; required: boolean; autofilled: boolean;
  codes: { code: string; label: string }[]; section: string; enable_when?: unknown;
};
export type Layout = {
  form_version_id: number; disease_code: string; disease_name: string; version_label: string; program: string;
  follows?: string; sections: { name: string; items: LayoutItem[] }[];
  calculations: { id: string; label: string; unit: string | null; type: string }[];
  diagnosis?: { source?: string; categories?: { value: string; label: string }[] };
  severity?: { source?: string; categories?: { value: string; label: string }[] };
};
export type Comment = { id: number; item_id: string | null; body: string; author: string; author_role: string; created_at: string };

const fid = (item: string) => `fi-${item}`;

function shown(v: unknown): string {
  if (v === true) return 'はい';
  if (v === false) return 'いいえ';
  if (v == null) return '';
  return String(v);
}

/** One item: its control, 「※必須」, unit, range, findings linked by aria-describedby. */
function ItemField({ item, value, errors, warnings, stored, autofilled, autofillSource, comments, readOnly, onValue, onCompose, onBlur, onComment }: {
  item: LayoutItem; value: unknown; errors: Finding[]; warnings: Finding[]; stored?: unknown;
  autofilled?: unknown; autofillSource?: string; comments: Comment[]; readOnly: boolean;
  onValue: (v: unknown, immediate: boolean) => void; onCompose: (open: boolean, v?: string) => void; onBlur: () => void;
  onComment?: (item: string) => void;
}) {
  const id = fid(item.item_id);
  const msgId = `${id}-msg`, hintId = `${id}-hint`;
  const hint = [
    item.unit ? `単位: ${item.unit}` : '',
    item.min != null || item.max != null ? `範囲: ${item.min ?? ''}〜${item.max ?? ''}` : '',
    item.type === 'date' && !readOnly ? '西暦（2024-04-01）でも和暦（令和6年4月1日・R6.4.1）でも入力できます' : '',
  ].filter(Boolean).join('　');
  const findings = [...errors, ...warnings];
  const described = [hint ? hintId : '', findings.length ? msgId : '', item.autofilled ? `${id}-auto` : '', comments.length ? `${id}-comments` : ''].filter(Boolean).join(' ') || undefined;
  const aria = { 'aria-describedby': described, 'aria-invalid': errors.length ? (true as const) : undefined };
  const text = typeof value === 'string' ? value : shown(value);
  const inputProps = {
    ...aria, id, disabled: readOnly,
    onInput: (e: Event) => {
      const v = (e.target as HTMLInputElement).value;
      if ((e as InputEvent).isComposing) { onCompose(true, v); return; }
      onValue(v === '' ? null : v, false);
    },
    onCompositionStart: () => onCompose(true),
    onCompositionEnd: (e: Event) => { const v = (e.target as HTMLInputElement).value; onCompose(false, v); },
    onBlur,
  };
  let control;
  if (item.type === 'boolean' || (item.type === 'choice' && item.codes.length <= 4)) {
    const opts = item.type === 'boolean' ? [{ code: 'true', label: 'はい' }, { code: 'false', label: 'いいえ' }] : item.codes;
    const cur = item.type === 'boolean' ? (value == null ? '' : String(value)) : (value == null ? '' : String(value));
    control = (
      <div class="choices" role="radiogroup" aria-labelledby={`${id}-label`} {...aria} id={id} tabIndex={-1}>
        {opts.map((o) => (
          <label class="choice">
            <input type="radio" name={id} value={o.code} checked={cur === o.code} disabled={readOnly}
              onChange={() => onValue(item.type === 'boolean' ? o.code === 'true' : o.code, true)} onBlur={onBlur} />
            {o.label}{item.type === 'choice' && <span class="code-tag">（{o.code}）</span>}
          </label>
        ))}
        {!readOnly && value != null && <button type="button" class="btn btn-small btn-link" onClick={() => onValue(null, true)}>選択を外す</button>}
      </div>
    );
  } else if (item.type === 'choice') {
    control = (
      <select {...aria} id={id} disabled={readOnly} value={value == null ? '' : String(value)}
        onChange={(e) => { const v = (e.target as HTMLSelectElement).value; onValue(v === '' ? null : v, true); }} onBlur={onBlur}>
        <option value="">（未選択）</option>
        {item.codes.map((o) => <option value={o.code}>{o.label}（{o.code}）</option>)}
      </select>
    );
  } else {
    const numeric = item.type === 'integer' || item.type === 'number' || item.type === 'decimal';
    control = (
      <span class="with-unit">
        <input type="text" {...inputProps} value={text} inputMode={numeric ? 'decimal' : undefined}
          maxLength={item.max_length ?? undefined} class={numeric ? 'narrow' : item.type === 'date' ? 'medium' : undefined} />
        {item.unit && <span class="unit" aria-hidden="true">{item.unit}</span>}
      </span>
    );
  }
  const isRadio = item.type === 'boolean' || (item.type === 'choice' && item.codes.length <= 4);
  return (
    <div class={`field form-item${errors.length ? ' field-invalid' : ''}${warnings.length ? ' field-warning' : ''}`} data-item={item.item_id}>
      <div class="item-head">
        {isRadio
          ? <span class="item-label" id={`${id}-label`}>{item.label}</span>
          : <label for={id} id={`${id}-label`}>{item.label}</label>}
        {item.required && <span class="required">※必須</span>}
        {item.autofilled && <span class="tag-auto">自動判定</span>}
        {onComment && <button type="button" class="btn btn-small btn-link" onClick={() => onComment(item.item_id)} aria-label={`「${item.label}」にコメントする`}>コメント</button>}
      </div>
      {hint && <p class="hint" id={hintId}>{hint}</p>}
      {control}
      {stored !== undefined && stored !== value && <p class="stored">保存される値: <code>{shown(stored)}</code></p>}
      {item.autofilled && (
        <p class="hint" id={`${id}-auto`}>
          この項目はサーバーが入力内容から判定します{autofilled !== undefined ? `（現在の判定: ${shown(autofilled)}）` : '（判定に必要な項目が未入力）'}。
          {autofillSource ? ` 根拠: ${autofillSource}` : ''}
        </p>
      )}
      {findings.length > 0 && (
        <ul class="findings" id={msgId}>
          {errors.map((f) => <li class="finding-error">エラー: {f.message}（<code>{f.code}</code>）</li>)}
          {warnings.map((f) => <li class="finding-warning">確認: {f.message}（<code>{f.code}</code>）</li>)}
        </ul>
      )}
      {comments.length > 0 && (
        <ul class="comments" id={`${id}-comments`} aria-label="この項目へのコメント">
          {comments.map((c) => <li>コメント（{c.author}・{label('Role', c.author_role)}）: {c.body}</li>)}
        </ul>
      )}
    </div>
  );
}

/** The judgment panel: derived values, diagnosis, severity and the primary judgment with what it waits for. */
export function JudgmentPanel({ layout, answer, itemLabel, busy }: { layout: Layout; answer: CheckAnswer | null; itemLabel: (id: string) => string; busy?: boolean }) {
  const met = (m: boolean | null | undefined) => (m === true ? '満たす' : m === false ? '満たさない' : '未確定');
  const waiting = (list?: string[]) => list && list.length > 0 && (
    <p class="waiting">未入力で判定を保留している項目: {list.map((i, n) => <>{n > 0 && '、'}<a href={`#${fid(i)}`} onClick={(e) => { e.preventDefault(); focusItem(i); }}>{itemLabel(i)}</a></>)}</p>
  );
  return (
    <aside class="judgment" aria-labelledby="judgment-title">
      <h2 id="judgment-title">一次判定（プレビュー）</h2>
      <div aria-live="polite">
        {!answer ? <p>{busy ? '判定中…' : '入力するとサーバーが判定します。'}</p> : (
          <>
            <p class="primary">一次判定: <strong>{label('PrimaryJudgment', answer.primary_judgment)}</strong>{answer.primary_judgment && <code>（{answer.primary_judgment}）</code>}</p>
            <p>エラー {answer.errors.length}件・確認 {answer.warnings.length}件{busy ? '（再判定中…）' : ''}</p>
          </>
        )}
      </div>
      {answer && (
        <>
          <h3>診断基準: {met(answer.diagnosis?.met)}{answer.diagnosis?.category ? `（${layout.diagnosis?.categories?.find((c) => c.value === answer.diagnosis?.category)?.label ?? answer.diagnosis.category}）` : ''}</h3>
          {waiting(answer.diagnosis?.waiting_for)}
          <h3>重症度: {met(answer.severity?.met)}</h3>
          {waiting(answer.severity?.waiting_for)}
        </>
      )}
      {layout.calculations.length > 0 && (
        <>
          <h3>自動計算</h3>
          <dl class="dl">
            {layout.calculations.map((c) => {
              const v = answer?.derived?.[c.id];
              return <><dt>{c.label}</dt><dd>{v == null ? '—' : `${shown(v)}${c.unit ?? ''}`}</dd></>;
            })}
          </dl>
        </>
      )}
      <details>
        <summary>基準の出典</summary>
        {layout.follows && <p>{layout.follows}</p>}
        {layout.diagnosis?.source && <p>{layout.diagnosis.source}</p>}
        {layout.severity?.source && <p>{layout.severity.source}</p>}
      </details>
    </aside>
  );
}

export function focusItem(item: string) {
  const el = document.getElementById(fid(item));
  if (!el) return;
  const target = (el.matches('[role="radiogroup"]') ? el.querySelector<HTMLElement>('input:checked, input') : el) ?? el;
  target.scrollIntoView?.({ block: 'center' });
  target.focus();
}

type Props = {
  layout: Layout;
  initial: Record<string, unknown>;
  readOnly?: boolean;
  check?: CheckFn;
  /** Save a draft (autosave on blur and every 30 s); its answer is a judgment too. */
  save?: (data: Record<string, unknown>) => Promise<CheckAnswer | void>;
  comments?: Comment[];
  onComment?: (item: string) => void;
  /** Told every data change and answer (the page's confirm button). */
  onState?: (data: Record<string, unknown>, answer: CheckAnswer | null) => void;
  firstAnswer?: CheckAnswer | null;
};

export const AUTOSAVE_MS = 30_000;

export function FormEditor({ layout, initial, readOnly = false, check = checkForm, save, comments = [], onComment, onState, firstAnswer = null }: Props) {
  const [data, setData] = useState<Record<string, unknown>>(initial);
  const [answer, setAnswer] = useState<CheckAnswer | null>(firstAnswer);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const dataRef = useRef(data);
  const dirty = useRef(false);       // changed since the last save
  const composing = useRef(false);
  const checker = useMemo(() => new LiveChecker(layout.form_version_id, check,
    (a) => { setAnswer(a); setError(null); },
    (e) => setError(e), (b) => setBusy(b)), [layout.form_version_id]);
  useEffect(() => {
    // an answer given with the form (its stored judgment, or a check the page started
    // while the layout loaded) is shown as it is; otherwise the form is checked at once
    if (!firstAnswer) checker.schedule(dataRef.current, true);
    return () => checker.dispose();
  }, [checker]);
  useEffect(() => { onState?.(data, answer); }, [data, answer]);

  // the latest save function: the page makes a new one at each render, the 30 s timer must not restart
  const saveRef = useRef(save);
  saveRef.current = save;
  async function doSave() {
    const save = saveRef.current;
    if (!save || !dirty.current || readOnly) return;
    dirty.current = false;
    try {
      // the save's judgment is of the data as it was sent: the live check of what is on screen
      // (maybe newer) stays what is shown
      await save(dataRef.current);
      setSaved(new Date().toLocaleTimeString('ja-JP'));
    } catch (e) { dirty.current = true; setError(e as ApiError); }
  }
  const autosave = !!save && !readOnly;
  useEffect(() => {
    if (!autosave) return;
    const t = setInterval(doSave, AUTOSAVE_MS);
    return () => clearInterval(t);
  }, [autosave]);

  function setValue(item: string, v: unknown, immediate: boolean) {
    const next = { ...dataRef.current };
    if (v == null) next[item] = null; else next[item] = v;
    dataRef.current = next;
    dirty.current = true;
    setData(next);
    if (!composing.current) checker.schedule(next, immediate);
  }

  const errorsBy = group(answer?.errors), warningsBy = group(answer?.warnings);
  const allItems = layout.sections.flatMap((s) => s.items);
  const itemLabel = (i: string) => allItems.find((x) => x.item_id === i)?.label ?? layout.calculations.find((c) => c.id === i)?.label ?? i;
  const known = new Set(allItems.map((i) => i.item_id));
  const formErrors = (answer?.errors ?? []).filter((f) => !f.item || !known.has(f.item));
  const firstError = allItems.find((i) => errorsBy[i.item_id] && answer?.applicable?.[i.item_id] !== false);
  const normalized = answer?.normalized_changes ?? {};
  const autofilled = answer?.severity?.autofilled ?? {};

  return (
    <div class="form-editor">
      <div class="form-body">
        <div class="form-status" role="status">
          {busy ? '入力内容を確認中…' : answer ? `エラー ${answer.errors.length}件・確認 ${answer.warnings.length}件` : ''}
          {saved && `　下書きを保存しました（${saved}）`}
        </div>
        {firstError && <button type="button" class="btn btn-small" onClick={() => focusItem(firstError.item_id)}>最初のエラーへ</button>}
        <ErrorBox error={error} />
        {formErrors.length > 0 && (
          <div class="alert alert-error" role="alert"><ul>{formErrors.map((f) => <li>{f.message}（<code>{f.code}</code>）</li>)}</ul></div>
        )}
        {layout.sections.map((s, n) => {
          const items = s.items.filter((i) => answer?.applicable?.[i.item_id] !== false);
          if (items.length === 0) return null;
          return (
            <section class="form-section" aria-labelledby={`sec-${n}`}>
              <h2 id={`sec-${n}`}>{s.name}</h2>
              <div class="items">
                {items.map((i) => (
                  <ItemField item={i} value={data[i.item_id]} errors={errorsBy[i.item_id] ?? []} warnings={warningsBy[i.item_id] ?? []}
                    stored={i.item_id in normalized ? normalized[i.item_id] : undefined}
                    autofilled={autofilled[i.item_id]} autofillSource={layout.severity?.source}
                    comments={comments.filter((c) => c.item_id === i.item_id)} readOnly={readOnly || i.autofilled}
                    onValue={(v, imm) => setValue(i.item_id, v, imm)}
                    onCompose={(open, v) => {
                      composing.current = open;
                      if (v !== undefined) setValue(i.item_id, v === '' ? null : v, false);
                    }}
                    onBlur={() => { doSave(); }}
                    onComment={onComment} />
                ))}
              </div>
            </section>
          );
        })}
      </div>
      <JudgmentPanel layout={layout} answer={answer} itemLabel={itemLabel} busy={busy} />
    </div>
  );
}

function group(list?: Finding[]): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  for (const f of list ?? []) if (f.item) (out[f.item] ??= []).push(f);
  return out;
}
