import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { ExportPage, exportArgs } from './Export';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('ExportPage', () => {
  it('leaves empty filters out', () => {
    expect(exportArgs({ disease: '', year: ' ', status: '' })).toEqual({});
    expect(exportArgs({ disease: '049', year: '2026', status: 'confirmed' })).toEqual({ disease_code: '049', fiscal_year: 2026, status: 'confirmed' });
  });
  it('downloads the XML with Accept: application/xml and the client\'s header', async () => {
    const calls: { url: string; headers: Headers; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url: String(url), headers: new Headers(init.headers), body: init.body });
      if (String(url).includes('/rpc/export_forms_xml')) return new Response('<?xml version="1.0"?><x/>', { status: 200, headers: { 'Content-Type': 'application/xml' } });
      return json(200, [{ id: 1, disease_code: '049', disease_name: '全身性エリテマトーデス', program: 'nanbyo', version_label: 'v1', online_until: null }]);
    }));
    const create = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    render(<ExportPage />);
    await screen.findAllByText(/全身性エリテマトーデス/);
    fireEvent.change(screen.getByLabelText('疾病'), { target: { value: '049' } });
    fireEvent.click(screen.getByRole('button', { name: 'XMLで出力する' }));
    await screen.findByText(/nanbyo-forms-049\.xml/);
    const x = calls.find((c) => c.url.includes('/rpc/export_forms_xml'))!;
    expect(x.headers.get('Accept')).toBe('application/xml');
    expect(x.headers.get('X-Requested-With')).toBe('nanbyo-web');
    expect(JSON.parse(x.body)).toEqual({ disease_code: '049' });
    expect(click).toHaveBeenCalled();
    click.mockRestore();
  });
  it('shows a refusal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('/rpc/export_forms')
      ? json(403, { code: '42501', details: 'E_EXPORT_HOSPITAL', message: '出力する医療機関を指定してください。' })
      : json(200, [])));
    render(<ExportPage />);
    fireEvent.click(screen.getByRole('button', { name: 'CSVで出力する' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('E_EXPORT_HOSPITAL'));
  });
});
