import { describe, it, expect, beforeEach } from 'vitest';
import { vocab, callers, vocabFromOpenApi, callersFromOpenApi, label, labelled, options, mayCall, vocabFromVocabulary } from './vocab';

const doc = {
  paths: {
    '/rpc/register_patient': { post: { 'x-roles': ['clerk', 'doctor'] } },
    '/secondary_hospitals': { get: { 'x-roles': ['doctor'] }, post: { 'x-roles': ['operator_admin'] } },
  },
  components: { schemas: {
    Role: { type: 'string', enum: ['clerk', 'doctor'], 'x-enum-labels': { clerk: '医療クラーク等', doctor: '指定医' } },
    FormStatus: { type: 'string', enum: ['draft'], 'x-enum-labels': { draft: '下書き' } },
    Sex: { type: 'string', 'x-enum-labels': { '1': '男性' } },
    Error: { type: 'object' },
  } },
};

describe('vocabulary from the OpenAPI document', () => {
  beforeEach(() => { vocab.value = vocabFromOpenApi(doc); callers.value = callersFromOpenApi(doc); });

  it('takes every enum with x-enum-labels', () => {
    expect(label('Role', 'clerk')).toBe('医療クラーク等');
    expect(label('FormStatus', 'draft')).toBe('下書き');
    expect(label('Sex', '1')).toBe('男性');
    expect(label('Sex', '2')).toBe('2'); // only what the server sends
    expect(vocabFromVocabulary({ secondary_hospital_statuses: [{ code: 'applied', label: '申請中' }] })).toEqual({ SecondaryHospitalStatus: { applied: '申請中' } });
    expect(vocabFromVocabulary({ deletion_reasons: [{ code: 'moved', label: '転出' }] })).toEqual({ DeletionReason: { moved: '転出' } });
    expect(vocabFromVocabulary({ sexes: [{ code: '2', label: '女' }], form_statuses: [{ code: 'confirmed', label: '確定', position: 2 }, { code: 'draft', label: '下書き', position: 1 }] })).toEqual({ Sex: { '2': '女' }, FormStatus: { draft: '下書き', confirmed: '確定' } });
    expect(vocabFromVocabulary({ special_cases: [{ code: 'high_long', program: 'nanbyo', label: '高額かつ長期' }, { code: 'high_long', program: 'shoman', label: '重症' }] }))
      .toEqual({ 'SpecialCase:nanbyo': { high_long: '高額かつ長期' }, 'SpecialCase:shoman': { high_long: '重症' } });
    expect(vocabFromVocabulary({ income_tiers: [{ code: 'low1', label: '低所得Ⅰ' }] })).toEqual({ IncomeTier: { low1: '低所得Ⅰ' } });
    expect(vocab.value.Error).toBeUndefined();
  });
  it('shows an unknown code as itself and nothing as a dash', () => {
    expect(label('Role', 'astronaut')).toBe('astronaut');
    expect(label('Role', null)).toBe('—');
    expect(labelled('Role', 'doctor')).toBe('指定医（doctor）');
  });
  it('lists the options of a vocabulary', () => {
    expect(options('Role')).toEqual([{ code: 'clerk', label: '医療クラーク等' }, { code: 'doctor', label: '指定医' }]);
  });
  it('says who may call a path from its x-roles', () => {
    expect(mayCall('clerk', '/rpc/register_patient')).toBe(true);
    expect(mayCall('municipality_staff', '/rpc/register_patient')).toBe(false);
    expect(mayCall('operator_admin', '/secondary_hospitals')).toBe(true);
    expect(mayCall(undefined, '/rpc/register_patient')).toBe(false);
  });
});
