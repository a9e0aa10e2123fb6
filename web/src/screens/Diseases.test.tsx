import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { DiseasesPage } from './Diseases';
import { vocab, callers } from '../api/vocab';
import { me } from '../session';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const parkinson = { program: 'nanbyo', disease_code: 'N006', notice_number: 6, name: 'パーキンソン病', disease_group_code: null, disease_group: null,
  effective_from: '2015-01-01', effective_until: null, machine_judged: true, source: 'NANDO' };
const sbma = { ...parkinson, disease_code: 'N001', notice_number: 1, name: '球脊髄性筋萎縮症', machine_judged: false };
const t1d = { program: 'shoman', disease_code: 'S0701', notice_number: 1, name: '1型糖尿病', disease_group_code: '07', disease_group: '糖尿病',
  effective_from: null, effective_until: null, machine_judged: true, source: 'NANDO' };

afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; });
beforeEach(() => {
  vocab.value = { Program: { nanbyo: '指定難病', shoman: '小児慢性特定疾病' } };
  callers.value = { '/diseases': ['doctor', 'operator_admin'], '/rpc/add_disease': ['operator_admin'] };
});

/** A fake API: the list answers `rows` (Content-Range for the count), the calls are recorded. */
function api(rows: any[], rpcs: Record<string, (body: any) => Response> = {}) {
  const calls: { url: string; body: any }[] = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    const body = init.body ? JSON.parse(String(init.body)) : null;
    calls.push({ url: decodeURIComponent(String(url)), body });
    const name = String(url).match(/\/rpc\/(\w+)/)?.[1];
    if (name) return rpcs[name] ? rpcs[name](body) : json(200, []);
    if (String(url).includes('select=disease_group_code')) return json(200, [{ disease_group_code: '07', disease_group: '糖尿病' }]);
    return json(200, rows, { 'Content-Range': `0-${rows.length - 1}/${rows.length}` });
  }));
  return calls;
}

describe('DiseasesPage', () => {
  it('lists diseases with their program label, group and machine-judged badge; no editing for a doctor', async () => {
    me.value = { role: 'doctor' } as any;
    api([sbma, parkinson, t1d]);
    render(<DiseasesPage />);
    const table = await screen.findByRole('table');
    expect(table.textContent).toContain('パーキンソン病');
    expect(table.textContent).toContain('指定難病');
    expect(table.textContent).toContain('07 糖尿病');
    expect(screen.getAllByText('機械判定あり')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: /^変更/ })).toBeNull();
    expect(screen.queryByText('疾病の追加')).toBeNull();
  });
  it('searches by name or code, program, group and machine-judged through the query', async () => {
    me.value = { role: 'doctor' } as any;
    const calls = api([t1d]);
    render(<DiseasesPage />);
    await screen.findByRole('table');
    fireEvent.input(screen.getByLabelText('疾病名・疾病コード'), { target: { value: '糖尿病' } });
    fireEvent.change(screen.getByLabelText('制度'), { target: { value: 'shoman' } });
    await screen.findByRole('option', { name: '07 糖尿病' });
    fireEvent.change(screen.getByLabelText('疾患群（小児慢性特定疾病）'), { target: { value: '07' } });
    fireEvent.click(screen.getByLabelText('機械判定ありのみ'));
    fireEvent.click(screen.getByRole('button', { name: '検索する' }));
    await waitFor(() => expect(calls.some((c) => c.url.includes('program=eq.shoman'))).toBe(true));
    const last = calls.filter((c) => c.url.includes('/diseases?')).pop()!.url;
    expect(last).toContain('or=(name.ilike.*糖尿病*,disease_code.ilike.*糖尿病*)');
    expect(last).toContain('disease_group_code=eq.07');
    expect(last).toContain('machine_judged=eq.true');
  });
  it('lets the operator admin add a disease and shows a refusal at its field with the code', async () => {
    me.value = { role: 'operator_admin' } as any;
    let refuse = true;
    const calls = api([parkinson], {
      add_disease: (b) => (refuse
        ? json(400, { code: '22023', details: 'E_DISEASE_CODE_FORMAT', message: '疾病コードは、指定難病は N＋告示番号3桁（例: N006）…で入力してください。' })
        : json(200, { ...parkinson, disease_code: b.disease_code, name: b.name, machine_judged: false })),
    });
    render(<DiseasesPage />);
    await screen.findByRole('table');
    fireEvent.input(screen.getByLabelText(/^疾病コード/), { target: { value: 'N06' } });
    fireEvent.input(screen.getByLabelText(/^疾病名※必須/), { target: { value: '試験疾病' } });
    fireEvent.input(screen.getByLabelText(/^施行日/), { target: { value: '2026-04-01' } });
    fireEvent.input(screen.getByLabelText(/^出典/), { target: { value: '告示' } });
    fireEvent.click(screen.getByRole('button', { name: '追加する' }));
    const msg = await screen.findByText(/（E_DISEASE_CODE_FORMAT）/);
    expect(screen.getByLabelText(/^疾病コード/).getAttribute('aria-describedby')).toContain(msg.id);
    refuse = false;
    fireEvent.input(screen.getByLabelText(/^疾病コード/), { target: { value: 'N349' } });
    fireEvent.click(screen.getByRole('button', { name: '追加する' }));
    await screen.findByText('N349 試験疾病 を追加しました。');
    const add = calls.filter((c) => c.url.endsWith('/rpc/add_disease')).pop()!.body;
    expect(add).toEqual({ disease_code: 'N349', name: '試験疾病', effective_from: '2026-04-01', effective_until: null, source: '告示' });
  });
  it('lets the operator admin rename a disease and shows its history', async () => {
    me.value = { role: 'operator_admin' } as any;
    const calls = api([parkinson], {
      rename_disease: (b) => json(200, { ...parkinson, name: b.name }),
      disease_history: () => json(200, [{ id: 1, changed_at: '2026-01-01T00:00:00+09:00', change: 'add', changed_by: null, old_values: null, new_values: { name: 'パーキンソン病' } }]),
    });
    render(<DiseasesPage />);
    fireEvent.click(await screen.findByRole('button', { name: '変更: N006 パーキンソン病' }));
    expect((await screen.findByLabelText('N006 の変更履歴')).textContent).toContain('データファイル');
    fireEvent.input(screen.getByLabelText('新しい疾病名'), { target: { value: 'パーキンソン病（改）' } });
    fireEvent.input(screen.getAllByLabelText(/^出典/)[0], { target: { value: '改正告示' } });
    fireEvent.click(screen.getByRole('button', { name: '疾病名を変更する' }));
    await screen.findByText('N006 の疾病名を変更しました。');
    expect(calls.find((c) => c.url.endsWith('/rpc/rename_disease'))!.body).toEqual({ disease_code: 'N006', name: 'パーキンソン病（改）', source: '改正告示' });
    expect(screen.getByRole('table').textContent).toContain('パーキンソン病（改）');
  });
});
