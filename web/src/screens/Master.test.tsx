import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { BodiesPage, HospitalsPage, FormVersionsPage, MasterHistoryPage, changes } from './Master';
import { vocab } from '../api/vocab';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
beforeEach(() => {
  vocab.value = {
    Program: { nanbyo: '指定難病', shoman: '小児慢性特定疾病' },
    MunicipalityKind: { prefecture: '都道府県', designated_city: '指定都市', core_city: '中核市' },
    HospitalImportResult: { added: '追加', updated: '更新', unchanged: '変更なし' },
    FormVersionState: { online: 'オンライン登録可', upcoming: '適用前' },
    MasterTable: { organisations: '組織（実施主体・医療機関）', public_payer_numbers: '公費負担者番号' },
    MasterHistoryAction: { insert: '登録', update: '変更' },
  };
});
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const bodies = [
  { id: 1, code: '130001', name: '東京都', prefecture_code: '13', municipality_kind: 'prefecture', runs_nanbyo: true, runs_shoman: true,
    public_payer_numbers: [{ id: 7, program: 'nanbyo', number: '54130018', valid_from: '2024-04-01', valid_until: null, note: null }] },
  { id: 2, code: '272035', name: '豊中市', prefecture_code: '27', municipality_kind: 'core_city', runs_nanbyo: false, runs_shoman: true, public_payer_numbers: [] },
  { id: 3, code: '270008', name: '大阪府', prefecture_code: '27', municipality_kind: 'prefecture', runs_nanbyo: true, runs_shoman: true, public_payer_numbers: [] },
];

describe('BodiesPage', () => {
  it('lists a prefecture\'s bodies with labels from the vocabulary and sends a new payer number as typed', async () => {
    const calls: { url: string; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url: String(url), body: init.body });
      if (String(url).includes('/rpc/add_public_payer_number')) {
        return json(400, { code: '22023', details: 'E_PAYER_NUMBER_LAW_CODE', message: '小児慢性特定疾病の公費負担者番号は法別番号 52 で始まります（入力: 54）。' });
      }
      return json(200, bodies);
    }));
    render(<BodiesPage />);
    expect((await screen.findByText('54130018')).textContent).toBe('54130018');
    expect(screen.getByRole('table').textContent).toContain('都道府県');
    expect(screen.getByRole('table').textContent).toContain('指定難病・小児慢性特定疾病');
    fireEvent.change(screen.getByLabelText('都道府県'), { target: { value: '27' } });
    expect(screen.getByRole('table').textContent).toContain('中核市');
    expect(screen.getByRole('table').textContent).not.toContain('東京都');
    fireEvent.change(screen.getByLabelText('実施主体※必須'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('制度※必須'), { target: { value: 'shoman' } });
    fireEvent.input(screen.getByLabelText('公費負担者番号※必須'), { target: { value: '54270010' } });
    fireEvent.input(screen.getByLabelText('開始日※必須'), { target: { value: '2026-04-01' } });
    fireEvent.click(screen.getByRole('button', { name: '登録する' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('E_PAYER_NUMBER_LAW_CODE'));
    const sent = calls.find((c) => c.url.includes('/rpc/add_public_payer_number'))!;
    expect(JSON.parse(sent.body)).toEqual({ organisation_id: 2, program: 'shoman', number: '54270010', valid_from: '2026-04-01' });
  });
});

describe('HospitalsPage', () => {
  it('posts the CSV as text/plain and shows the per-row problems of a refused file', async () => {
    const calls: { url: string; headers: Headers; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url: String(url), headers: new Headers(init.headers), body: init.body });
      if (String(url).includes('/rpc/import_hospitals_csv')) {
        return json(422, { accepted: false, message: 'ファイルに誤りがあるため、1件も取り込んでいません。',
          problems: [{ line: 3, column: '医療機関コード', code: 'E_HOSPITAL_CODE_CHECK_DIGIT', message: '医療機関コード 2710000008 の検証番号（10桁目）が正しくありません。' }] });
      }
      return json(200, []);
    }));
    render(<HospitalsPage />);
    fireEvent.input(screen.getByLabelText(/CSVの内容/), { target: { value: 'header\nrow' } });
    fireEvent.click(screen.getByRole('button', { name: '取り込む' }));
    expect((await screen.findByRole('alert')).textContent).toContain('1件も取り込んでいません');
    const table = screen.getByRole('table');
    expect(table.textContent).toContain('E_HOSPITAL_CODE_CHECK_DIGIT');
    expect(table.textContent).toContain('医療機関コード');
    const sent = calls.find((c) => c.url.includes('/rpc/import_hospitals_csv'))!;
    expect(sent.headers.get('Content-Type')).toContain('text/plain');
    expect(sent.headers.get('X-Requested-With')).toBe('nanbyo-web');
    expect(sent.body).toBe('header\nrow');
  });
  it('shows each row\'s result with its label', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).includes('/rpc/import_hospitals_csv')
      ? json(200, { accepted: true, added: 1, updated: 0, unchanged: 1, results: [
          { line: 2, code: '2710000007', name: '堺なんびょう病院', result: 'added' },
          { line: 3, code: '2710000015', name: '豊中こども医院', result: 'unchanged' }] })
      : json(200, [])));
    render(<HospitalsPage />);
    fireEvent.input(screen.getByLabelText(/CSVの内容/), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: '取り込む' }));
    const table = await screen.findByRole('table');
    expect(table.textContent).toContain('追加');
    expect(table.textContent).toContain('変更なし');
    expect(screen.getByRole('status').textContent).toContain('追加 1件');
  });
});

describe('FormVersionsPage', () => {
  it('lists the periods and sets a last online day', async () => {
    const calls: { url: string; body: any }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url: String(url), body: init.body });
      if (String(url).includes('/rpc/set_form_version_online_until')) {
        return json(200, { id: 5, disease_code: 'N006', program: 'nanbyo', disease_name: 'パーキンソン病', version_label: 'v1',
          effective_from: '2024-04-01', online_until: '2027-03-31', paper_until: '2028-03-31' });
      }
      return json(200, [{ id: 5, disease_code: 'N006', program: 'nanbyo', disease_name: 'パーキンソン病', version_label: 'v1',
        effective_from: '2024-04-01', online_until: null, paper_until: null, state: 'online' }]);
    }));
    render(<FormVersionsPage />);
    expect((await screen.findByText('オンライン登録可')).textContent).toBe('オンライン登録可');
    fireEvent.input(screen.getByLabelText(/N006 v1 のオンライン登録最終日/), { target: { value: '2027-03-31' } });
    fireEvent.click(screen.getByRole('button', { name: '設定' }));
    expect((await screen.findByRole('status')).textContent).toContain('紙の様式は 2028-03-31 まで');
    const sent = calls.find((c) => c.url.includes('/rpc/set_form_version_online_until'))!;
    expect(JSON.parse(sent.body)).toEqual({ form_version_id: 5, last_day: '2027-03-31' });
    expect((screen.getByRole('button', { name: '公開する' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('MasterHistoryPage', () => {
  it('shows who changed what, before and after, with labels', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, [
      { id: 9, at: '2026-12-07T10:00:00Z', table_name: 'public_payer_numbers', record_id: 3, action: 'update',
        before: { id: 3, number: '54130018', valid_until: null }, after: { id: 3, number: '54130018', valid_until: '2027-03-31' }, login_id: 'OP01-0001' },
    ])));
    render(<MasterHistoryPage />);
    const table = await screen.findByRole('table');
    expect(table.textContent).toContain('公費負担者番号');
    expect(table.textContent).toContain('変更');
    expect(table.textContent).toContain('OP01-0001');
    expect(table.textContent).toContain('valid_until: — → 2027-03-31');
    expect(table.textContent).not.toContain('number:');
  });
  it('lists every set field of an insert', () => {
    expect(changes({ before: null, after: { id: 1, name: '東京都', note: null } })).toEqual(['name: 東京都']);
  });
});
