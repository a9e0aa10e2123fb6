import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { vocab } from '../api/vocab';
import { DiseasePicker, diseaseName } from './DiseasePicker';
import type { Disease } from './api';

afterEach(cleanup);
vocab.value = { Program: { nanbyo: '指定難病', shoman: '小児慢性特定疾病' } };

const list: Disease[] = [
  { program: 'nanbyo', disease_code: 'N001', name: '球脊髄性筋萎縮症', machine_judged: false, in_force: true },
  { program: 'nanbyo', disease_code: 'N006', name: 'パーキンソン病', machine_judged: true, in_force: true },
  { program: 'nanbyo', disease_code: 'N003', name: '廃止された疾病', machine_judged: false, in_force: false },
  { program: 'shoman', disease_code: 'S0701', name: '１型糖尿病', machine_judged: true, in_force: true },
];
const optionTexts = () => screen.getAllByRole('option').map((o) => o.textContent);

describe('DiseasePicker', () => {
  it('lists the diseases in force, a general form said so, and searches by name or code', () => {
    const onChange = vi.fn();
    render(<DiseasePicker id="d" label="疾病" list={list} value="" onChange={onChange} />);
    expect(optionTexts()).toEqual(['（選択してください）', '球脊髄性筋萎縮症（N001・指定難病・一般様式）',
      'パーキンソン病（N006・指定難病）', '１型糖尿病（S0701・小児慢性特定疾病）']);
    fireEvent.input(screen.getByLabelText('疾病を検索（名称・コード）'), { target: { value: 'ﾊﾟｰｷﾝｿﾝ' } });
    expect(optionTexts()).toEqual(['（選択してください）', 'パーキンソン病（N006・指定難病）']);
    fireEvent.input(screen.getByLabelText('疾病を検索（名称・コード）'), { target: { value: 's07' } });
    expect(optionTexts()).toEqual(['（選択してください）', '１型糖尿病（S0701・小児慢性特定疾病）']);
    fireEvent.change(screen.getByLabelText(/^疾病/, { selector: 'select' }), { target: { value: 'S0701' } });
    expect(onChange).toHaveBeenCalledWith('S0701');
  });
  it('keeps the chosen disease while the search changes, and names forms by the master', () => {
    render(<DiseasePicker id="d" label="疾病" any list={list} value="N001" onChange={() => {}} />);
    fireEvent.input(screen.getByLabelText('疾病を検索（名称・コード）'), { target: { value: 'N006' } });
    expect(optionTexts()).toEqual(['すべて', '球脊髄性筋萎縮症（N001・指定難病・一般様式）', 'パーキンソン病（N006・指定難病）']);
    expect(diseaseName(list, 'N001')).toBe('球脊髄性筋萎縮症');
    expect(diseaseName(list, 'N999')).toBe('N999');
  });
});
