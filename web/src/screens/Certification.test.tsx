import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { CertificationPanel, certificationPayload, type Certification } from './Certification';
import { vocab, callers, adminBoxItems } from '../api/vocab';
import { me } from '../session';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  vocab.value = {
    ReviewResult: { granted: '認定', refused: '不認定', pending: '保留' },
    RefusalReason: { diagnosis_not_met: '診断基準を満たさない', severity_not_met: '重症度分類等を満たさない（診断基準は満たす）', other: 'その他' },
    IncomeTier: { welfare: '生活保護', general1: '一般所得Ⅰ' },
    'SpecialCase:nanbyo': { none: '該当なし', high_long: '高額かつ長期', ventilator: '人工呼吸器等装着者' },
  };
  const staff = ['municipality_staff'];
  callers.value = { '/rpc/record_certification': staff, '/rpc/check_certification': staff, '/rpc/record_research_consent': staff };
  adminBoxItems.value = [{ code: 'reception_number', label: '受付番号', value_type: 'text', max_length: 20, on_masked_print: true },
                         { code: 'review_board_on', label: '審査会開催日', value_type: 'date', max_length: null, on_masked_print: true }];
  me.value = { role: 'municipality_staff' } as any;
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });

const granted: Certification = {
  scope: 'municipality', outcome: 'granted', refusal_reason: null, registration_card_eligible: false,
  recipient_number: '1234566', public_payer_number: '54130018', valid_from: '2026-12-01', valid_until: '2027-11-30',
  income_tier: 'general1', special_case: 'high_long', monthly_cap_yen: 5000, admin_box: {}, research_consent: null,
};

describe('CertificationPanel', () => {
  it('sends only the outcome\'s own fields and the filled 行政記載欄', () => {
    const d: any = { outcome: 'refused', refusal_reason: 'severity_not_met', refusal_note: ' ', recipient_number: '1234566', special_case: 'none' };
    expect(certificationPayload(d, { reception_number: ' R-1 ', review_board_on: '' }))
      .toEqual({ outcome: 'refused', refusal_reason: 'severity_not_met', admin_box: { reception_number: 'R-1' } });
  });

  it('records a grant and shows the monthly cap the server computed', async () => {
    const sent: any[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      sent.push({ url: String(url), body: JSON.parse(String(init.body ?? '{}')) });
      return json(200, { id: 7, status: 'reviewed', review_result: 'granted', certification: granted });
    }));
    const saved = vi.fn();
    const { rerender } = render(<CertificationPanel formId={7} program="nanbyo" status="taken_over" cert={null} onSaved={saved} />);
    fireEvent.click(screen.getByRole('radio', { name: '認定' }));
    fireEvent.input(screen.getByLabelText(/^受給者番号/), { target: { value: '1234566' } });
    fireEvent.input(screen.getByLabelText(/^公費負担者番号/), { target: { value: '54130018' } });
    fireEvent.input(screen.getByLabelText(/^有効期間の開始日/), { target: { value: '2026-12-01' } });
    fireEvent.input(screen.getByLabelText(/^有効期間の終了日/), { target: { value: '2027-11-30' } });
    fireEvent.change(screen.getByLabelText(/^階層区分/), { target: { value: 'general1' } });
    fireEvent.click(screen.getByRole('radio', { name: '高額かつ長期' }));
    fireEvent.input(screen.getByLabelText(/^受付番号/), { target: { value: 'R-0001' } });
    fireEvent.click(screen.getByRole('button', { name: '認定結果を記録する' }));
    await screen.findByText(/自己負担上限月額は 5,000円 です。/);
    expect(sent[0].url).toMatch(/\/rpc\/record_certification$/);
    expect(sent[0].body).toEqual({ form_id: 7, certification: {
      outcome: 'granted', recipient_number: '1234566', public_payer_number: '54130018', valid_from: '2026-12-01',
      valid_until: '2027-11-30', income_tier: 'general1', special_case: 'high_long', admin_box: { reception_number: 'R-0001' } } });
    expect(saved).toHaveBeenCalled();
    rerender(<CertificationPanel formId={7} program="nanbyo" status="reviewed" cert={granted} onSaved={saved} />);
    const summary = screen.getByLabelText('記録された認定結果');
    expect(summary.textContent).toContain('5,000円');
    expect(summary.textContent).toContain('高額かつ長期');
    expect(summary.textContent).toContain('一般所得Ⅰ');
  });

  it('shows the 登録者証 eligibility as the server says', () => {
    const refused: Certification = { scope: 'municipality', outcome: 'refused', refusal_reason: 'severity_not_met',
      registration_card_eligible: true, valid_from: null, valid_until: null };
    render(<CertificationPanel formId={7} program="nanbyo" status="reviewed" cert={refused} onSaved={() => {}} />);
    expect(screen.getByLabelText('記録された認定結果').textContent).toContain('交付の対象');
  });

  it('shows every problem the server finds by its field', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('/rpc/record_certification')
      ? json(400, { code: '22023', details: 'E_CERT_RECIPIENT_NUMBER', message: '受給者番号は7桁の数字（最後の1桁は検証番号）です。', hint: 'recipient_number' })
      : json(200, { problems: [
          { field: 'recipient_number', code: 'E_CERT_RECIPIENT_NUMBER', message: '受給者番号は7桁の数字（最後の1桁は検証番号）です。' },
          { field: 'public_payer_number', code: 'E_CERT_PAYER_PREFECTURE', message: '公費負担者番号の3・4桁目が違います。' }] })));
    render(<CertificationPanel formId={7} program="nanbyo" status="taken_over" cert={null} onSaved={() => {}} />);
    fireEvent.click(screen.getByRole('radio', { name: '認定' }));
    fireEvent.input(screen.getByLabelText(/^受給者番号/), { target: { value: '1234567' } });
    fireEvent.click(screen.getByRole('button', { name: '認定結果を記録する' }));
    await waitFor(() => expect(screen.getByLabelText(/^受給者番号/).getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByLabelText(/^公費負担者番号/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join()).toContain('E_CERT_RECIPIENT_NUMBER');
  });

  it('is read-only once the form is registered, and for a role that may not record it', () => {
    render(<CertificationPanel formId={7} program="nanbyo" status="registered" cert={granted} onSaved={() => {}} />);
    expect(screen.queryByRole('button', { name: '認定結果を記録する' })).toBeNull();
    cleanup();
    me.value = { role: 'doctor' } as any;
    render(<CertificationPanel formId={7} program="nanbyo" status="reviewed" cert={granted} onSaved={() => {}} />);
    expect(screen.queryByRole('button', { name: '認定結果を記録する' })).toBeNull();
  });
});
