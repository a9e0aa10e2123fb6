import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { ResearchPage, parseYears } from './Research';
import { vocab, callers } from '../api/vocab';
import { me } from '../session';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const request = (over: Record<string, unknown> = {}) => ({
  id: 7, researcher_name: '研究 太郎', researcher_affiliation: '国立研究所', purpose: '疫学研究', program: 'nanbyo',
  disease_codes: ['N006'], fiscal_years: [2025, 2026], items: ['hoehn_yahr'], linked_to: null, ndb_linkage: false,
  link_approved: false, ndb_linkage_approved: false, state: 'submitted', submitted_by: 'OP-0001',
  submitted_at: '2026-12-07T10:00:00+09:00', decided_by: null, decided_at: null, decision_note: null, started_at: null,
  finished_at: null, failure: null, row_count: null, ...over,
});
const ITEMS = [
  { item_id: 'hoehn_yahr', label: 'Hoehn-Yahr 重症度', type: 'integer', type_label: '整数', unit: null, allowed: true, refusal: null, refusal_label: null },
  { item_id: 'patient_name', label: '氏名', type: 'text', type_label: '文字', unit: null, allowed: false, refusal: 'personal', refusal_label: '個人情報の項目' },
];
const DISEASES = [{ program: 'nanbyo', disease_code: 'N006', name: 'パーキンソン病', machine_judged: true, in_force: true }];

beforeEach(() => {
  vocab.value = {
    Program: { nanbyo: '指定難病', shoman: '小児慢性特定疾病' },
    ResearchRequestState: { submitted: '受付', approved: '承認（実行待ち）', rejected: '却下', running: '実行中', done: '完了', failed: '失敗' },
  };
  callers.value = {
    '/rpc/submit_research_request': ['operator_admin', 'operator_staff'],
    '/rpc/approve_research_request': ['operator_admin', 'operator_staff'],
    '/rpc/research_requests': ['operator_admin', 'operator_staff'],
  };
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });

describe('parseYears', () => {
  it('takes lists and ranges, refuses anything else', () => {
    expect(parseYears('2025, 2026')).toEqual([2025, 2026]);
    expect(parseYears('２０２３〜２０２５')).toEqual([2023, 2024, 2025]);
    expect(parseYears('2026、2024')).toEqual([2024, 2026]);
    expect(parseYears('令和7')).toEqual([]);
  });
});

describe('ResearchPage', () => {
  it('submits a request with the diseases, years and the items the server allows', async () => {
    me.value = { role: 'operator_staff' } as any;
    const bodies: { url: string; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      const u = String(url);
      bodies.push({ url: u, body: init.body ? JSON.parse(String(init.body)) : null });
      if (u.includes('/rpc/research_items')) return json(200, ITEMS);
      if (u.includes('/rpc/submit_research_request')) return json(200, request());
      if (u.includes('/rpc/research_requests')) return json(200, []);
      return json(200, DISEASES);
    }));
    render(<ResearchPage />);
    await screen.findByText('申出はありません。');
    fireEvent.input(screen.getByLabelText(/研究者の氏名/), { target: { value: '研究 太郎' } });
    fireEvent.input(screen.getByLabelText(/研究者の所属/), { target: { value: '国立研究所' } });
    fireEvent.input(screen.getByLabelText(/利用目的/), { target: { value: '疫学研究' } });
    await screen.findByRole('option', { name: /パーキンソン病（N006/ });
    fireEvent.change(screen.getByLabelText('追加する疾病'), { target: { value: 'N006' } });
    fireEvent.click(screen.getByRole('button', { name: '疾病を追加' }));
    fireEvent.input(screen.getByLabelText(/年度（西暦）/), { target: { value: '2025, 2026' } });
    const box = await screen.findByLabelText(/Hoehn-Yahr 重症度/);
    expect(screen.queryByLabelText(/^氏名/)).toBeNull();
    expect(screen.getByText(/氏名（patient_name）: 個人情報の項目/)).toBeTruthy();
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: '申出を登録する' }));
    await screen.findByText('申出 7 を登録しました（受付）。');
    const sent = bodies.find((b) => b.url.includes('/rpc/submit_research_request'))!.body;
    expect(sent).toMatchObject({ researcher_name: '研究 太郎', program: 'nanbyo', disease_codes: ['N006'],
      fiscal_years: [2025, 2026], items: ['hoehn_yahr'], linked_to: null, ndb_linkage: false });
    const row = screen.getByRole('cell', { name: /国立研究所/ }).closest('tr')!;
    expect(row.textContent).toContain('受付');
  });

  it('lets the admin approve, and shows the refusal of the server with its code', async () => {
    me.value = { role: 'operator_admin' } as any;
    const bodies: { url: string; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      const u = String(url);
      bodies.push({ url: u, body: init.body ? JSON.parse(String(init.body)) : null });
      if (u.includes('/rpc/approve_research_request')) return json(200, request({ state: 'approved', ndb_linkage: true, ndb_linkage_approved: true }));
      if (u.includes('/rpc/reject_research_request')) return json(400, { code: '22023', details: 'E_RESEARCH_REASON_REQUIRED', message: '却下の理由を入力してください。' });
      if (u.includes('/rpc/research_requests')) return json(200, [request({ ndb_linkage: true }), request({ id: 8 })]);
      return json(200, DISEASES);
    }));
    render(<ResearchPage />);
    const row = (await screen.findByRole('cell', { name: '7' })).closest('tr')!;
    fireEvent.click(screen.getByLabelText('NDB連結を認める'));
    fireEvent.click(row.querySelector('button.btn-primary')!);
    await screen.findByText('申出 7 を承認しました。夜間に抽出します。');
    expect(bodies.find((b) => b.url.includes('/rpc/approve_research_request'))!.body).toEqual({ request_id: 7, linked: false, ndb_linkage: true });
    expect(row.textContent).toContain('承認（実行待ち）');
    const other = screen.getByRole('cell', { name: '8' }).closest('tr')!;
    fireEvent.click(other.querySelectorAll('button')[1]);
    fireEvent.input(screen.getByLabelText(/却下の理由/), { target: { value: ' ' } });
    fireEvent.click(screen.getByRole('button', { name: '却下する' }));
    await waitFor(() => expect(other.textContent).toContain('E_RESEARCH_REASON_REQUIRED'));
  });

  it('offers the downloads of a finished extraction, and no decision to staff', async () => {
    me.value = { role: 'operator_staff' } as any;
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('/rpc/research_requests')
      ? json(200, [request({ state: 'done', row_count: 120, decided_at: '2026-12-07T11:00:00+09:00' }), request({ id: 9 })])
      : json(200, DISEASES)));
    render(<ResearchPage />);
    await screen.findByRole('button', { name: '抽出データ（CSV）' });
    expect(screen.getByText(/120行/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: '承認' })).toBeNull();
  });
});
