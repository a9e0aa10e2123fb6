import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { BulkIssuePage } from './Accounts';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('BulkIssuePage', () => {
  it('shows the per-row report of a refused file (HTTP 422 with problems)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(422, {
      accepted: false, message: 'ファイルに誤りがあるため、1件も発行していません。',
      problems: [{ line: 3, column: 'medical_registry_number', code: 'E_PATTERN', message: '医籍登録番号は7桁以内の数字で入力してください。' }],
    })));
    render(<BulkIssuePage />);
    fireEvent.input(screen.getByLabelText(/CSVの内容/), { target: { value: 'header\nrow' } });
    fireEvent.click(screen.getByRole('button', { name: '一括発行する' }));
    expect((await screen.findByRole('alert')).textContent).toContain('1件も発行していません');
    const table = screen.getByRole('table');
    expect(table.textContent).toContain('E_PATTERN');
    expect(table.textContent).toContain('医籍登録番号は7桁以内の数字で入力してください。');
  });
  it('lists the issued accounts with their one-time passwords', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { accepted: true, accounts: [{ line: 2, login_id: '1310123455-0009', name: '山田 太郎', role: 'doctor', is_hospital_admin: true, initial_password: 'pw-once' }] })));
    render(<BulkIssuePage />);
    fireEvent.input(screen.getByLabelText(/CSVの内容/), { target: { value: 'header\nrow' } });
    fireEvent.click(screen.getByRole('button', { name: '一括発行する' }));
    expect((await screen.findByText('pw-once')).textContent).toBe('pw-once');
    expect(screen.getByRole('table').textContent).toContain('1310123455-0009');
  });
  it('shows any other refusal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(400, { code: '22P02', details: 'E_CSV_MALFORMED', message: 'CSVの形式が正しくありません。' })));
    render(<BulkIssuePage />);
    fireEvent.input(screen.getByLabelText(/CSVの内容/), { target: { value: '"x' } });
    fireEvent.click(screen.getByRole('button', { name: '一括発行する' }));
    expect((await screen.findByRole('alert')).textContent).toContain('E_CSV_MALFORMED');
  });
});
