import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { PaperScansPage, listArgs, thisFiscalYear } from './PaperScans';
import { vocab, callers } from '../api/vocab';
import { me } from '../session';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const scan = (over: Record<string, unknown> = {}) => ({
  id: 12, reference: 'PS-12', municipality: { id: 4, code: '130001', name: '東京都' }, program: 'nanbyo',
  disease_code: 'N006', disease_name: 'パーキンソン病', fiscal_year: 2026, form_version_id: null, version_label: null,
  file_name: '紙の票.pdf', byte_size: 2048, content_sha256: 'a'.repeat(64), status: 'uploaded',
  uploaded_at: '2026-12-07T10:00:00+09:00', downloaded_at: null, keyed_at: null, form_id: null, done_at: null, assignment: null, ...over,
});
const PDF = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';

beforeEach(() => {
  vocab.value = {
    Program: { nanbyo: '指定難病', shoman: '小児慢性特定疾病' },
    PaperScanStatus: { uploaded: 'アップロード済み', downloaded: '運営主体が取得済み', keyed: '入力済み', done: '完了' },
  };
  callers.value = {
    '/rpc/upload_paper_scan': ['municipality_staff'],
    '/rpc/list_paper_scans': ['municipality_staff', 'operator_staff', 'contractor'],
    '/rpc/download_paper_scan': ['operator_staff', 'contractor'],
    '/rpc/complete_paper_scan': ['operator_staff'],
  };
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });

describe('listArgs and thisFiscalYear', () => {
  it('leave empty filters out; the fiscal year starts in April', () => {
    expect(listArgs({ status: '', year: ' ', program: '' })).toEqual({});
    expect(listArgs({ status: 'keyed', year: '2026', program: 'shoman' })).toEqual({ status: 'keyed', fiscal_year: 2026, program: 'shoman' });
    expect(thisFiscalYear(new Date(2027, 2, 31))).toBe(2026);
    expect(thisFiscalYear(new Date(2027, 3, 1))).toBe(2027);
  });
});

describe('PaperScansPage (municipality)', () => {
  it('uploads the chosen PDF as base64 with its metadata and lists it with its status label', async () => {
    me.value = { role: 'municipality_staff' } as any;
    const bodies: { url: string; body: any }[] = [];
    let listed: unknown[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      bodies.push({ url: String(url), body: init.body ? JSON.parse(String(init.body)) : null });
      if (String(url).includes('/rpc/upload_paper_scan')) { listed = [scan()]; return json(200, scan()); }
      if (String(url).includes('/rpc/list_paper_scans')) return json(200, listed);
      return json(200, [{ id: 2, disease_code: 'N006', disease_name: 'パーキンソン病', program: 'nanbyo', version_label: '令和6年4月1日改訂版', online_until: null }]);
    }));
    render(<PaperScansPage />);
    await screen.findByText('スキャンはありません。');
    await screen.findByRole('option', { name: 'パーキンソン病（N006）' });
    const file = new File([PDF], '紙の票.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText(/スキャンしたPDFファイル/), { target: { files: [file] } });
    fireEvent.change(screen.getByLabelText('疾病（分かれば）'), { target: { value: 'N006' } });
    fireEvent.click(screen.getByRole('button', { name: '登録する' }));
    await screen.findByText(/PS-12「紙の票.pdf」を登録しました（アップロード済み）/);
    const up = bodies.find((b) => b.url.includes('/rpc/upload_paper_scan'))!.body;
    expect(up.file.name).toBe('紙の票.pdf');
    expect(atob(up.file.content_base64)).toBe(PDF);
    expect(up).toMatchObject({ program: 'nanbyo', fiscal_year: thisFiscalYear(), disease_code: 'N006', form_version_id: null });
    const row = (await screen.findByText('PS-12')).closest('tr')!;
    expect(row.textContent).toContain('アップロード済み');
    expect(screen.queryByRole('button', { name: /ダウンロード/ })).toBeNull();
  });

  it('shows a refused file as its Japanese message and code', async () => {
    me.value = { role: 'municipality_staff' } as any;
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('/rpc/upload_paper_scan')
      ? json(400, { code: '22023', details: 'E_NOT_PDF', message: 'PDFファイルではありません。紙の票をスキャンしたPDFファイルを選んでください。' })
      : json(200, [])));
    render(<PaperScansPage />);
    await screen.findByText('スキャンはありません。');
    fireEvent.change(screen.getByLabelText(/スキャンしたPDFファイル/), { target: { files: [new File(['a,b\n'], 'list.csv', { type: 'text/csv' })] } });
    fireEvent.click(screen.getByRole('button', { name: '登録する' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('PDFファイルではありません'));
    expect(screen.getByRole('alert').textContent).toContain('E_NOT_PDF');
  });
});

describe('PaperScansPage (operator assigns)', () => {
  it('gives a downloaded scan to a contractor for a hospital through assign_scans', async () => {
    me.value = { role: 'operator_staff' } as any;
    callers.value = { ...callers.value, '/rpc/assign_scans': ['operator_staff'] };
    const bodies: { url: string; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      bodies.push({ url: String(url), body: init.body ? JSON.parse(String(init.body)) : null });
      if (String(url).includes('/rpc/assign_scans')) return json(200, { contractor_organisation_id: 3, hospital_id: 8, assigned: 1, references: ['PS-12'] });
      if (String(url).includes('/rpc/list_paper_scans')) return json(200, [scan({ status: 'downloaded' }), scan({ id: 13, reference: 'PS-13', status: 'uploaded' })]);
      return json(200, [{ id: 3, kind: 'contractor', code: 'CT01', name: 'デモ入力センター' }, { id: 8, kind: 'hospital', code: '1310123455', name: 'デモ中央病院' }]);
    }));
    render(<PaperScansPage />);
    await screen.findByRole('option', { name: 'デモ入力センター' });
    expect(screen.queryByRole('option', { name: /PS-13/ })).toBeNull();
    fireEvent.change(screen.getByLabelText(/^スキャン※必須|^スキャン/, { selector: 'select' }), { target: { value: '12' } });
    fireEvent.change(screen.getByLabelText(/外部委託事業者/), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText(/票の医療機関/), { target: { value: '8' } });
    fireEvent.click(screen.getByRole('button', { name: '依頼する' }));
    await screen.findByText(/PS-12 の入力を依頼しました/);
    expect(bodies.find((b) => b.url.includes('/rpc/assign_scans'))!.body).toEqual({ contractor_organisation_id: 3, hospital_id: 8, paper_scan_ids: [12] });
  });
});

describe('PaperScansPage (operator)', () => {
  it('downloads a scan as its PDF and marks a keyed one done', async () => {
    me.value = { role: 'operator_staff' } as any;
    const urls: string[] = [];
    let rows = [scan(), scan({ id: 13, reference: 'PS-13', file_name: 'b.pdf', status: 'keyed', form_id: 99 })];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(String(url));
      if (String(url).includes('/rpc/download_paper_scan')) {
        rows = [scan({ status: 'downloaded' }), rows[1]];
        return json(200, { scan: rows[0], file_name: '紙の票.pdf', media_type: 'application/pdf', content_base64: btoa(PDF) });
      }
      if (String(url).includes('/rpc/complete_paper_scan')) { rows = [rows[0], { ...rows[1], status: 'done' }]; return json(200, rows[1]); }
      return json(200, rows);
    }));
    const saved: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: vi.fn((b: Blob) => { saved.push(b); return 'blob:x'; }), revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    render(<PaperScansPage />);
    await screen.findByText('PS-12');
    expect(screen.queryByRole('button', { name: '登録する' })).toBeNull();
    expect(screen.getByText('PS-12').closest('tr')!.textContent).toContain('東京都');
    expect(screen.queryByRole('button', { name: 'PS-12 を完了にする' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'PS-12 をダウンロード' }));
    await screen.findByText(/PS-12「紙の票.pdf」をダウンロードしました/);
    expect(saved[0].type).toBe('application/pdf');
    expect(await new Promise((ok) => { const r = new FileReader(); r.onload = () => ok(r.result); r.readAsText(saved[0]); })).toBe(PDF);
    await waitFor(() => expect(screen.getByText('PS-12').closest('tr')!.textContent).toContain('運営主体が取得済み'));
    fireEvent.click(screen.getByRole('button', { name: 'PS-13 を完了にする' }));
    await screen.findByText(/PS-13 を「完了」にしました/);
    expect(urls.some((u) => u.includes('/rpc/complete_paper_scan'))).toBe(true);
    click.mockRestore();
  });
});
