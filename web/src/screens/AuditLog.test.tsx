import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { AuditLogPage, auditArgs, PAGE_SIZE } from './AuditLog';
import { vocab } from '../api/vocab';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); vocab.value = {}; });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const entry = (id: number, extra: Record<string, unknown> = {}) => ({
  id, at: `2026-12-07T10:${String(id % 60).padStart(2, '0')}:00+09:00`, request_id: `req-${id}`, actor_account_id: 7,
  actor_login_id: 'OP-0001', actor_role: 'operator_staff', actor_organisation_id: 3, action: 'login', outcome: 'success',
  target_kind: 'account', target_id: '7', detail: {}, api_token_id: null, ...extra });

describe('AuditLogPage', () => {
  it('sends only the filters given', () => {
    expect(auditArgs({ actor: ' ', organisation: '', action: '', targetKind: '', targetId: '', from: '', to: '', requestId: '', outcome: '' })).toEqual({});
    expect(auditArgs({ actor: 'OP-0001', organisation: '3', action: 'read.', targetKind: 'form', targetId: '9', from: '', to: '', requestId: 'r1', outcome: 'refused' }))
      .toEqual({ actor_login_id: 'OP-0001', organisation_id: 3, action: 'read.', target_kind: 'form', target_id: '9', request_id: 'r1', outcome: 'refused' });
  });

  it('searches, shows the labels of the server, and pages on with the last row as cursor', { timeout: 30000 }, async () => {
    vocab.value = { AuditAction: { login: 'ログイン' }, AuditOutcome: { success: '成功' }, Role: { operator_staff: '運営主体 一般' } };
    const bodies: any[] = [];
    vi.stubGlobal('fetch', vi.fn(async (_url: string, init: RequestInit = {}) => {
      const body = JSON.parse(String(init.body)); bodies.push(body);
      const start = body.cursor_id ? 1000 : 2000;
      return json(200, Array.from({ length: body.cursor_id ? 3 : PAGE_SIZE + 1 }, (_, i) => entry(start - i)));
    }));
    render(<AuditLogPage />);
    fireEvent.input(screen.getByLabelText('利用者（ログインID）'), { target: { value: 'OP-0001' } });
    fireEvent.click(screen.getByRole('button', { name: '検索する' }));
    await screen.findByText(`1〜${PAGE_SIZE}件目（新しい順）`);
    expect(bodies[0]).toEqual({ actor_login_id: 'OP-0001', limit: PAGE_SIZE + 1 });
    expect(screen.getAllByText('ログイン（login）').length).toBe(PAGE_SIZE);
    expect(screen.getAllByText('成功（success）').length).toBe(PAGE_SIZE);
    fireEvent.click(screen.getByRole('button', { name: '次へ' }));
    await screen.findByText(`${PAGE_SIZE + 1}〜${PAGE_SIZE + 3}件目（新しい順）`);
    expect(bodies[1]).toMatchObject({ actor_login_id: 'OP-0001', cursor_id: 2000 - (PAGE_SIZE - 1) });
    expect((screen.getByRole('button', { name: '次へ' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows the tamper check: ok, or the first broken link with the server\'s message', async () => {
    let broken = false;
    vi.stubGlobal('fetch', vi.fn(async () => json(200, broken
      ? { status: 'broken', links: 10, verified: 4, unsealed: 0, sealed_now: 0, duration_ms: 3, last_chain_hash: 'ab',
          first_break: { seq: 5, audit_id: 55, audit_at: null, problem: 'changed_entry', message: '操作ログの内容が封印時と異なります（改ざんされた可能性があります）。' } }
      : { status: 'ok', links: 10, verified: 10, unsealed: 2, sealed_now: 1, duration_ms: 3, last_chain_hash: 'ab', first_break: null })));
    render(<AuditLogPage />);
    fireEvent.click(screen.getByRole('button', { name: '改ざん検査' }));
    await screen.findByText(/改ざんは見つかりませんでした。10件を検証しました（未封印 2件）/);
    broken = true;
    fireEvent.click(screen.getByRole('button', { name: '改ざん検査' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('封印時と異なります'));
    expect(screen.getByRole('alert').textContent).toContain('操作ログID 55');
  });

  it('shows a refusal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(400, { code: '22023', details: 'E_AUDIT_OUTCOME', message: '結果は success、failure、refused のいずれかです。' })));
    render(<AuditLogPage />);
    fireEvent.click(screen.getByRole('button', { name: '検索する' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('E_AUDIT_OUTCOME'));
  });
});
