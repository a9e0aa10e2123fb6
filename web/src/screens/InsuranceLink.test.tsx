import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { InsuranceLinkPage, type InsuranceBatch } from './InsuranceLink';
import { vocab } from '../api/vocab';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const batch: InsuranceBatch = {
  batch_id: 7, file_name: 'nanbyo-insurance-inquiry-000007.csv', created_at: '2026-12-07T10:00:00+09:00',
  created_by_login_id: null, trigger: 'cron', requests: 3, answered: 2, found: 1, not_found: 1, errors: 0, unanswered: 1,
  last_answer_at: null, file_sha256: 'a'.repeat(64),
};

beforeEach(() => {
  vocab.value = {
    InsuranceBatchTrigger: { api: '運用管理者が作成', cron: '夜間の自動作成' },
    InsuranceAnswerStatus: { found: '該当あり（連携IDを記録）', not_found: '該当なし', error: 'エラー' },
  };
});
afterEach(() => { cleanup(); vi.unstubAllGlobals(); });

function choose(bytes: Uint8Array<ArrayBuffer>) {
  const file = new File([bytes], 'answers.csv', { type: 'text/csv' });
  fireEvent.change(screen.getByLabelText(/回答ファイル（CSV）/), { target: { files: [file] } });
  fireEvent.click(screen.getByRole('button', { name: '取り込む' }));
  return file;
}

describe('InsuranceLinkPage', () => {
  it('lists the batches with their counts and the server\'s labels, and makes a new batch', async () => {
    const calls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      calls.push(String(url));
      if (String(url).includes('create_insurance_inquiry_batch')) return json(200, { batch: { ...batch, batch_id: 8 }, message: '依頼ファイル（バッチ 8、2件）を作りました。' });
      return json(200, [batch]);
    }));
    render(<InsuranceLinkPage />);
    const table = await screen.findByRole('table');
    expect(table.textContent).toContain('夜間の自動作成');
    expect(table.textContent).toContain('3件');
    fireEvent.click(screen.getByRole('button', { name: '依頼ファイルを作成する' }));
    expect((await screen.findByRole('status')).textContent).toContain('バッチ 8');
    expect(calls.filter((c) => c.includes('insurance_inquiry_batches')).length).toBe(2); // listed again
  });

  it('downloads a batch\'s request file as CSV', async () => {
    const sent: { url: string; accept: string | null; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      sent.push({ url: String(url), accept: new Headers(init.headers).get('Accept'), body: init.body });
      if (String(url).includes('insurance_inquiry_request_file')) return new Response('batch_id,line_no\r\n', { status: 200, headers: { 'Content-Type': 'text/csv' } });
      return json(200, [batch]);
    }));
    const created = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    render(<InsuranceLinkPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'バッチ7の依頼ファイルをダウンロード' }));
    expect((await screen.findByRole('status')).textContent).toContain('nanbyo-insurance-inquiry-000007.csv');
    const d = sent.find((s) => s.url.includes('insurance_inquiry_request_file'))!;
    expect(d.accept).toBe('text/csv');
    expect(JSON.parse(d.body)).toEqual({ batch_id: 7 });
    expect(created).toHaveBeenCalled();
  });

  it('uploads the answer file as bytes and shows each line\'s answer, or each problem of a refused file', async () => {
    let refuse = true;
    const bodies: any[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      if (!String(url).includes('import_insurance_inquiry_answers')) return json(200, [batch]);
      bodies.push({ type: new Headers(init.headers).get('Content-Type'), body: init.body });
      if (refuse) return json(422, { accepted: false, lines: 1, problem_count: 1, message: '回答ファイルに誤りが1件あるため、1件も取り込んでいません。',
        problems: [{ line: 2, column: 'linkage_id', code: 'E_LINKAGE_ID_FORMAT', message: '連携IDは64桁の16進数で記入してください。' }] });
      return json(200, { accepted: true, batch_id: 7, lines: 2, applied: 2, unchanged: 0, found: 1, not_found: 1, errors: 0,
        message: '2件の回答を取り込みました（取り込み済み 0件）。',
        answers: [{ line: 2, line_no: 1, status: 'found', peer_code: null, new: true },
                  { line: 3, line_no: 2, status: 'not_found', peer_code: null, new: true }] });
    }));
    render(<InsuranceLinkPage />);
    await screen.findByRole('table');
    const file = choose(new Uint8Array([0x61]));
    expect((await screen.findByRole('alert')).textContent).toContain('1件も取り込んでいません');
    expect(screen.getByText('E_LINKAGE_ID_FORMAT')).toBeTruthy();
    expect(bodies[0].type).toBe('application/octet-stream');
    expect(bodies[0].body).toBe(file);
    refuse = false;
    fireEvent.click(screen.getByRole('button', { name: '取り込む' }));
    await waitFor(() => expect(screen.getByText('行ごとの回答')).toBeTruthy());
    const report = screen.getByText('行ごとの回答').closest('table')!;
    expect(report.textContent).toContain('該当あり（連携IDを記録）');
    expect(report.textContent).toContain('該当なし');
  });
});
