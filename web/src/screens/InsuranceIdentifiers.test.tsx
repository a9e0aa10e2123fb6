import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { InsuranceIdentifiersPanel } from './InsuranceIdentifiers';
import { vocab, callers } from '../api/vocab';
import { me } from '../session';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const hospitals = { form_id: 5, patient_id: 9, source: 'hospital', insurer_number: '01130012', symbol: null, number: '77',
                    branch: null, recorded_at: '2026-12-01T10:00:00+09:00' };

beforeEach(() => {
  vocab.value = { InsuranceIdentifierSource: { municipality: '自治体が記録', hospital: '医療機関の患者情報' } };
  const staff = ['municipality_staff'];
  callers.value = { '/rpc/record_insurance_identifiers': staff, '/rpc/get_insurance_identifiers': staff };
  me.value = { role: 'municipality_staff' } as any;
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });

describe('InsuranceIdentifiersPanel', () => {
  it('shows the current identifiers with their source and records the corrected ones', async () => {
    const sent: any[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      const body = JSON.parse(String(init.body ?? '{}'));
      sent.push({ url: String(url), body });
      if (String(url).includes('get_insurance_identifiers')) return json(200, hospitals);
      return json(200, { ...hospitals, ...body, source: 'municipality', changed: true });
    }));
    render(<InsuranceIdentifiersPanel formId={5} />);
    expect((await screen.findByText(/現在の記録/)).textContent).toContain('医療機関の患者情報');
    expect((screen.getByLabelText(/保険者番号/) as HTMLInputElement).value).toBe('01130012');
    fireEvent.input(screen.getByLabelText(/^番号/), { target: { value: '78' } });
    fireEvent.input(screen.getByLabelText(/枝番/), { target: { value: '01' } });
    fireEvent.click(screen.getByRole('button', { name: '保険の識別情報を記録する' }));
    expect((await screen.findByRole('status')).textContent).toContain('記録しました');
    const rec = sent.find((s) => s.url.includes('record_insurance_identifiers'));
    expect(rec.body).toEqual({ form_id: 5, insurer_number: '01130012', number: '78', branch: '01' }); // an empty symbol is left out
    expect(screen.getByText(/現在の記録/).textContent).toContain('自治体が記録');
  });

  it('shows the server\'s refusal (the check digit is the database\'s rule)', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('get_insurance_identifiers')
      ? json(200, { ...hospitals, source: null, insurer_number: null, number: null })
      : json(400, { code: '22023', details: 'E_INSURER_NUMBER_CHECK_DIGIT', message: '保険者番号の検証番号（最後の1桁）が合いません。' })));
    render(<InsuranceIdentifiersPanel formId={5} />);
    expect(await screen.findByText('照会に使える記録はまだありません。')).toBeTruthy();
    fireEvent.input(screen.getByLabelText(/保険者番号/), { target: { value: '01130013' } });
    fireEvent.click(screen.getByRole('button', { name: '保険の識別情報を記録する' }));
    expect((await screen.findByRole('alert')).textContent).toContain('E_INSURER_NUMBER_CHECK_DIGIT');
  });

  it('is not shown to a role that cannot record them', () => {
    me.value = { role: 'doctor' } as any;
    const f = vi.fn();
    vi.stubGlobal('fetch', f);
    const { container } = render(<InsuranceIdentifiersPanel formId={5} />);
    expect(container.textContent).toBe('');
    expect(f).not.toHaveBeenCalled();
  });
});
