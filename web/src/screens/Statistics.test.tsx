import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { StatisticsPage, pivot, type Cell } from './Statistics';
import { vocab } from '../api/vocab';
import { me } from '../session';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const cell = (row: string, column: string, value: number | null, suppressed: boolean, pos = 1): Cell => ({
  fiscal_year: 2025, program: 'nanbyo', table_code: 'sex', row_key: row, row_label: row === '*' ? '合計' : 'パーキンソン病',
  row_position: row === '*' ? 1000000 : 1, column_key: column, column_label: column === '*' ? '合計' : column === '1' ? '男' : '女',
  column_position: column === '*' ? 1000000 : pos, value, suppressed });
const catalog = (exact: boolean) => ({ exact, tables: [{ code: 'sex', label: '疾病×性別' }, { code: 'age_band', label: '疾病×年齢階級' }],
  years: [{ fiscal_year: 2025, program: 'nanbyo' }], refreshed_at: '2026-12-07T17:30:00Z' });

function serve(exact: boolean, cells: Cell[], calls: { url: string; body: any; headers: Headers }[] = []) {
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url: String(url), body: init.body ? JSON.parse(String(init.body)) : null, headers: new Headers(init.headers) });
    if (String(url).includes('/rpc/statistics_catalog')) return json(200, catalog(exact));
    if (String(url).includes('/rpc/statistics_runs')) return json(200, [{ id: 7, trigger: 'schedule', requested_by_login_id: null,
      started_at: '2026-12-07T17:30:00Z', finished_at: '2026-12-07T17:30:02Z', duration_ms: 2100, status: 'failed',
      error_code: 'E_STATISTICS_FAILED', error_message: '統計の集計に失敗しました。前回の集計結果をそのまま公開しています。', forms_counted: null, cells: null, suppressed_cells: null }]);
    if (String(url).includes('/rpc/refresh_statistics')) return json(200, { id: 8, status: 'succeeded', started_at: 'x', finished_at: 'x', duration_ms: 1,
      error_code: null, error_message: null, forms_counted: 5, cells: 10, suppressed_cells: 2 });
    if (String(url).includes('/rpc/statistics')) return json(200, cells);
    return json(404, {});
  }));
  return calls;
}

describe('StatisticsPage', () => {
  it('lays the cells out as rows × columns in the server\'s order', () => {
    const p = pivot([cell('*', '*', 40, false), cell('N006', '2', 3, true, 2), cell('N006', '1', 0, false, 1), cell('N006', '*', 3, true)]);
    expect(p.rows.map((r) => r.key)).toEqual(['N006', '*']);
    expect(p.columns.map((c) => c.key)).toEqual(['1', '2', '*']);
    expect(p.cell('N006', '2')?.value).toBe(3);
  });

  it('shows a suppressed cell as 秘匿 (the vocabulary\'s label), never a number, and downloads the CSV', async () => {
    vocab.value = { StatisticsCellFlag: { suppressed: '秘匿' }, Program: { nanbyo: '指定難病' } };
    const calls = serve(false, [cell('N006', '1', 0, false, 1), cell('N006', '2', null, true, 2), cell('N006', '*', null, true),
      cell('*', '1', 20, false, 1), cell('*', '2', null, true, 2), cell('*', '*', 43, false)]);
    render(<StatisticsPage />);
    await screen.findByRole('option', { name: '2025年度' });
    fireEvent.change(screen.getByLabelText('表'), { target: { value: 'sex' } });
    fireEvent.click(screen.getByRole('button', { name: '表示する' }));
    const table = await screen.findByRole('table', { name: /疾病×性別/ });
    expect(table.textContent).toContain('秘匿');
    const row = screen.getByRole('row', { name: /パーキンソン病/ });
    expect(row.textContent).not.toMatch(/3/);
    expect(calls.find((c) => c.url.endsWith('/rpc/statistics'))!.body).toEqual({ year: 2025, program_code: 'nanbyo', statistics_table: 'sex' });
    expect(screen.queryByRole('heading', { name: '集計の実行記録' })).toBeNull();

    const create = vi.fn(() => 'blob:x');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    fireEvent.click(screen.getByRole('button', { name: 'CSVでダウンロード' }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect(calls.some((c) => c.url.endsWith('/rpc/statistics') && c.headers.get('Accept') === 'text/csv')).toBe(true);
    click.mockRestore();
  });

  it('gives the operator the exact count with the 秘匿 mark, the runs, and 再集計 to its admin', async () => {
    vocab.value = { StatisticsCellFlag: { suppressed: '秘匿' }, StatisticsRunStatus: { succeeded: '成功', failed: '失敗（前回の集計結果を公開中）' } };
    me.value = { role: 'operator_admin', login_id: 'op-1' } as any;
    const calls = serve(true, [cell('N006', '2', 3, true, 2), cell('N006', '*', 3, true), cell('*', '2', 3, true, 2), cell('*', '*', 3, true)]);
    render(<StatisticsPage />);
    await screen.findByRole('heading', { name: '集計の実行記録' });
    expect(screen.getByText(/前回の集計結果をそのまま公開/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('表'), { target: { value: 'sex' } });
    fireEvent.click(screen.getByRole('button', { name: '表示する' }));
    const row = await screen.findByRole('row', { name: /パーキンソン病/ });
    expect(row.textContent).toContain('3');
    const chart = await screen.findByRole('img', { name: /グラフ/ }, { timeout: 5000 });
    expect(chart.querySelector('style')).toBeNull();
    expect(chart.querySelectorAll('rect').length).toBeGreaterThan(0);
    expect(row.textContent).toContain('秘匿');
    fireEvent.click(screen.getByRole('button', { name: '再集計' }));
    await screen.findByText(/再集計: 成功/);
    expect(calls.some((c) => c.url.endsWith('/rpc/refresh_statistics'))).toBe(true);
  });

  it('shows a refusal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(403, { code: '42501', details: 'E_ROLE_NOT_ALLOWED', message: '統計を見られるのは運営主体・厚生労働省・自治体の利用者です。' })));
    render(<StatisticsPage />);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('E_ROLE_NOT_ALLOWED'));
  });
});
