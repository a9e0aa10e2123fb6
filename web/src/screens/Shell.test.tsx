import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { SessionBanner } from './Shell';
import { expiresAt, now } from '../session';
import { wareki } from './Patients';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); expiresAt.value = null; });

describe('SessionBanner', () => {
  it('says nothing while more than five minutes are left', () => {
    now.value = Date.now(); expiresAt.value = now.value + 10 * 60e3;
    render(<SessionBanner />);
    expect(screen.queryByRole('alert')).toBeNull();
  });
  it('warns in the last five minutes and renews through api.renew_session', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ expires_at: new Date(Date.now() + 30 * 60e3).toISOString() }), { status: 200, headers: { 'Content-Type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    now.value = Date.now(); expiresAt.value = now.value + 4 * 60e3 + 5e3;
    render(<SessionBanner />);
    expect(screen.getByRole('alert').textContent).toContain('あと 4分05秒');
    fireEvent.click(screen.getByRole('button', { name: 'セッションを延長する' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(String((fetch.mock.calls[0] as any[])[0])).toMatch(/\/api\/rpc\/renew_session$/);
  });
  it('shows a refused renewal as its message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ code: '28000', details: 'E_SESSION_EXPIRED', message: 'ログインの有効時間（30分）が過ぎました。' }), { status: 401, headers: { 'Content-Type': 'application/json' } })));
    now.value = Date.now(); expiresAt.value = now.value + 60e3;
    render(<SessionBanner />);
    fireEvent.click(screen.getByRole('button', { name: 'セッションを延長する' }));
    expect((await screen.findByText(/E_SESSION_EXPIRED/)).textContent).toContain('E_SESSION_EXPIRED');
  });
});

describe('wareki', () => {
  it('echoes a date in both calendars from Intl', () => {
    expect(wareki('1958-07-14')).toBe('西暦 1958年7月14日（昭和33年7月14日）');
    expect(wareki('2019-05-01')).toMatch(/令和元年|令和1年/);
    expect(wareki('')).toBe('');
  });
});
