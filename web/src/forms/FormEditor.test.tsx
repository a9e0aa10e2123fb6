// The form renderer with the server's answers as fixtures: what it shows, and
// when it asks api.check_form (debounce, at once on a choice, never during an
// IME composition, older checks aborted).
import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, act } from '@testing-library/preact';
import { FormEditor, type Layout } from './FormEditor';
import { DEBOUNCE_MS, type CheckAnswer } from './liveCheck';
import { vocab } from '../api/vocab';

const layout: Layout = {
  form_version_id: 9, disease_code: 'N002', disease_name: '筋萎縮性側索硬化症', version_label: '令和6年4月1日改訂版', program: 'nanbyo',
  follows: '臨床調査個人票 002',
  sections: [
    { name: '申請', items: [
      { item_id: 'patient_name', label: '氏名', type: 'text', unit: null, min: null, max: null, required: true, autofilled: false, codes: [], section: '申請' },
      { item_id: 'entry_date', label: '記載年月日', type: 'date', unit: null, min: null, max: null, required: true, autofilled: false, codes: [], section: '申請' },
      { item_id: 'application_type', label: '申請区分', type: 'choice', unit: null, min: null, max: null, required: true, autofilled: false,
        codes: [{ code: 'new', label: '新規' }, { code: 'renewal', label: '更新' }], section: '申請' },
    ] },
    { name: '重症度分類', items: [
      { item_id: 'als_severity', label: 'ALS重症度分類', type: 'integer', unit: '度', min: 1, max: 5, required: true, autofilled: false, codes: [], section: '重症度分類' },
      { item_id: 'ventilator', label: '人工呼吸器の使用', type: 'boolean', unit: null, min: null, max: null, required: false, autofilled: false, codes: [], section: '重症度分類' },
      { item_id: 'ventilator_since', label: '人工呼吸器の開始日', type: 'date', unit: null, min: null, max: null, required: false, autofilled: false, codes: [], section: '重症度分類' },
      { item_id: 'severity_ok', label: '重症度基準を満たす', type: 'boolean', unit: null, min: null, max: null, required: false, autofilled: true, codes: [], section: '重症度分類' },
    ] },
  ],
  calculations: [{ id: 'total', label: '合計点', unit: '点', type: 'integer' }],
  severity: { source: '重症度分類: ALS重症度分類2度以上' },
};

const answer = (over: Partial<CheckAnswer> = {}): CheckAnswer => ({
  errors: [], warnings: [], derived: { total: 3 }, applicable: { ventilator_since: false },
  diagnosis: { met: null, waiting_for: ['als_severity'] }, severity: { met: null, autofilled: {}, waiting_for: [] },
  primary_judgment: 'needs_review', normalized_changes: {}, ...over,
});

/** A fake api.check_form: records each call, answers when told. */
function fakeCheck() {
  const calls: { data: Record<string, unknown>; signal: AbortSignal; resolve: (a: CheckAnswer) => void }[] = [];
  const fn = vi.fn((_fv: number, data: Record<string, unknown>, signal: AbortSignal) =>
    new Promise<CheckAnswer>((resolve, reject) => {
      calls.push({ data, signal, resolve });
      signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    }));
  return { fn, calls };
}

beforeEach(() => {
  vi.useFakeTimers();
  vocab.value = { PrimaryJudgment: { needs_review: '要審査', meets: '基準を満たす' } };
});
afterEach(() => { cleanup(); vi.useRealTimers(); });

const flush = () => act(async () => { await Promise.resolve(); await Promise.resolve(); });

describe('FormEditor', () => {
  it('renders the layout by section: 「※必須」, units, code labels; an item not applicable is hidden', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{}} check={fn} />);
    expect(screen.getByRole('heading', { name: '申請' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: '重症度分類' })).toBeTruthy();
    expect(screen.getAllByText('※必須').length).toBe(4);
    expect(screen.getByText('度')).toBeTruthy();
    expect(screen.getByRole('radio', { name: /新規/ })).toBeTruthy();
    expect(screen.getByLabelText('人工呼吸器の開始日')).toBeTruthy(); // before the first answer
    calls[0].resolve(answer());
    await flush();
    expect(screen.queryByLabelText('人工呼吸器の開始日')).toBeNull();
    expect(screen.getByText('要審査')).toBeTruthy();
    expect(screen.getByText('3点')).toBeTruthy(); // a derived value, as the server computed it
  });

  it('checks once at start, then DEBOUNCE_MS after the last keystroke with the latest data', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{}} check={fn} />);
    expect(fn).toHaveBeenCalledTimes(1);
    calls[0].resolve(answer()); await flush();
    const name = screen.getByLabelText(/氏名/);
    fireEvent.input(name, { target: { value: '難' } });
    vi.advanceTimersByTime(DEBOUNCE_MS - 100);
    fireEvent.input(name, { target: { value: '難病' } });
    vi.advanceTimersByTime(DEBOUNCE_MS - 1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(calls[1].data).toMatchObject({ patient_name: '難病' });
  });

  it('checks at once on a choice', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{}} check={fn} />);
    calls[0].resolve(answer()); await flush();
    fireEvent.click(screen.getByRole('radio', { name: /更新/ }));
    expect(fn).toHaveBeenCalledTimes(2);
    expect(calls[1].data).toMatchObject({ application_type: 'renewal' });
    const yes = screen.getAllByRole('radio', { name: 'はい' })[0];
    fireEvent.click(yes);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(calls[2].data).toMatchObject({ ventilator: true });
  });

  it('never checks during an IME composition; the end of the composition checks', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{}} check={fn} />);
    calls[0].resolve(answer()); await flush();
    const name = screen.getByLabelText(/氏名/);
    fireEvent.compositionStart(name);
    fireEvent.input(name, { target: { value: 'なん' }, isComposing: true });
    fireEvent.input(name, { target: { value: 'なんび' }, isComposing: true });
    vi.advanceTimersByTime(DEBOUNCE_MS * 3);
    expect(fn).toHaveBeenCalledTimes(1);
    (name as HTMLInputElement).value = '難病';
    fireEvent.compositionEnd(name);
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(calls[1].data).toMatchObject({ patient_name: '難病' });
  });

  it('aborts a check still in flight when a newer one starts; its late answer is ignored', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{}} check={fn} />);
    calls[0].resolve(answer()); await flush();
    fireEvent.click(screen.getByRole('radio', { name: /新規/ }));
    fireEvent.click(screen.getByRole('radio', { name: /更新/ }));
    expect(calls[1].signal.aborted).toBe(true);
    expect(calls[2].signal.aborted).toBe(false);
    calls[2].resolve(answer({ primary_judgment: 'meets' }));
    calls[1].resolve(answer({ primary_judgment: 'needs_review' }));
    await flush();
    expect(screen.getByText('基準を満たす')).toBeTruthy();
  });

  it('shows findings by item with their code, linked by aria-describedby; 最初のエラーへ focuses it; waiting_for named', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{ als_severity: '9' }} check={fn} />);
    calls[0].resolve(answer({
      errors: [{ item: 'als_severity', code: 'E_RANGE', message: '「ALS重症度分類」は1〜5で入力してください。' }],
      warnings: [{ item: 'als_severity', code: 'N002_VENTILATOR_SEVERITY', message: '人工呼吸器を使用している場合、ALS重症度分類は5度です。' }],
    }));
    await flush();
    const input = screen.getByLabelText('ALS重症度分類');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const msg = document.getElementById('fi-als_severity-msg')!;
    expect(input.getAttribute('aria-describedby')).toContain('fi-als_severity-msg');
    expect(msg.textContent).toContain('E_RANGE');
    expect(msg.textContent).toContain('N002_VENTILATOR_SEVERITY');
    fireEvent.click(screen.getByRole('button', { name: '最初のエラーへ' }));
    expect(document.activeElement).toBe(input);
    expect(screen.getByRole('link', { name: 'ALS重症度分類' })).toBeTruthy(); // diagnosis waits for it
  });

  it('marks the autofilled severity item, explains it with severity.source and shows the server\'s value; shows the normalised date', async () => {
    const { fn, calls } = fakeCheck();
    render(<FormEditor layout={layout} initial={{ entry_date: 'R6.4.1' }} check={fn} />);
    calls[0].resolve(answer({ severity: { met: true, autofilled: { severity_ok: true }, waiting_for: [] }, normalized_changes: { entry_date: '2024-04-01' } }));
    await flush();
    expect(screen.getByText('自動判定')).toBeTruthy();
    const auto = document.getElementById('fi-severity_ok-auto')!;
    expect(auto.textContent).toContain('重症度分類: ALS重症度分類2度以上');
    expect(auto.textContent).toContain('はい');
    expect(screen.getByText('2024-04-01')).toBeTruthy();
  });

  it('autosaves a changed draft on blur and every 30 s', async () => {
    const { fn, calls } = fakeCheck();
    const save = vi.fn(async (_data: Record<string, unknown>) => undefined);
    render(<FormEditor layout={layout} initial={{}} check={fn} save={save} />);
    calls[0].resolve(answer()); await flush();
    vi.advanceTimersByTime(30_000);
    expect(save).not.toHaveBeenCalled(); // nothing changed
    const name = screen.getByLabelText(/氏名/);
    fireEvent.input(name, { target: { value: '難病 一郎' } });
    fireEvent.blur(name);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0][0]).toMatchObject({ patient_name: '難病 一郎' });
    await flush();
    fireEvent.input(name, { target: { value: '難病 二郎' } });
    vi.advanceTimersByTime(30_000);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it('keeps the 30 s autosave timer when the page re-renders with a new save function', async () => {
    const { fn, calls } = fakeCheck();
    const save = vi.fn(async (_data: Record<string, unknown>) => undefined);
    const { rerender } = render(<FormEditor layout={layout} initial={{}} check={fn} save={(d) => save(d)} />);
    calls[0].resolve(answer()); await flush();
    fireEvent.input(screen.getByLabelText(/氏名/), { target: { value: '難病 一郎' } });
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(5_000);
      rerender(<FormEditor layout={layout} initial={{}} check={fn} save={(d) => save(d)} />);
    }
    expect(save).toHaveBeenCalledTimes(1);
  });
});
