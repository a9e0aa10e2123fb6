import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { CertificationImportPage } from './CertificationImport';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function choose(bytes: Uint8Array<ArrayBuffer>, name = 'results.csv') {
  const file = new File([bytes], name, { type: 'text/csv' });
  fireEvent.change(screen.getByLabelText(/認定結果のCSVファイル/), { target: { files: [file] } });
  fireEvent.click(screen.getByRole('button', { name: '取り込む' }));
  return file;
}

describe('CertificationImportPage', () => {
  it('sends the bytes as they are (application/octet-stream) and shows the per-row report of a refused file', async () => {
    const calls: { url: string; headers: Headers; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url: String(url), headers: new Headers(init.headers), body: init.body });
      return json(422, { accepted: false, rows: 2, problem_count: 1,
        message: 'ファイルに誤りがあるため、1件も反映していません。',
        problems: [{ line: 3, column: 'recipient_number', column_label: '受給者番号', code: 'E_RECIPIENT_NUMBER',
                     message: '受給者番号の検証番号が合いません。' }] });
    }));
    render(<CertificationImportPage />);
    const sjis = new Uint8Array([0x82, 0xa0, 0x2c, 0x0a]); // Shift_JIS bytes: not to be decoded by the browser
    const file = choose(sjis);
    expect((await screen.findByRole('alert')).textContent).toContain('1件も反映していません');
    const c = calls[0];
    expect(c.url).toContain('/rpc/import_certification_results');
    expect(c.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(c.headers.get('X-Requested-With')).toBe('nanbyo-web');
    expect(c.body).toBe(file);
    const table = screen.getByRole('table');
    expect(table.textContent).toContain('受給者番号（recipient_number）');
    expect(table.textContent).toContain('E_RECIPIENT_NUMBER');
    expect(table.textContent).toContain('3');
  });
  it('shows the applied and unchanged counts of an accepted file', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { accepted: true, rows: 2, applied: 0, unchanged: 2,
      message: '変更はありません（2件とも取込済みの内容と同じです）。' })));
    render(<CertificationImportPage />);
    choose(new Uint8Array([0x61]));
    expect((await screen.findByRole('status')).textContent).toContain('変更はありません');
    expect(screen.getByText('変更なし').nextElementSibling?.textContent).toBe('2件');
  });
  it('shows any other refusal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(400, { code: '22023', details: 'E_CSV_ENCODING', message: 'ファイルの文字コードが UTF-8 でも Shift_JIS（CP932）でもありません。' })));
    render(<CertificationImportPage />);
    choose(new Uint8Array([0xff]));
    expect((await screen.findByRole('alert')).textContent).toContain('E_CSV_ENCODING');
  });
});
