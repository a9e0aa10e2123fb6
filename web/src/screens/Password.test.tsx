import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { PasswordPage, passwordField } from './Password';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

function fill(cur: string, next: string, again = next) {
  fireEvent.input(screen.getByLabelText(/^現在のパスワード/), { target: { value: cur } });
  fireEvent.input(screen.getByLabelText(/^新しいパスワード※必須$/), { target: { value: next } });
  fireEvent.input(screen.getByLabelText(/^新しいパスワード（確認）/), { target: { value: again } });
  fireEvent.click(screen.getByRole('button', { name: '変更する' }));
}

describe('PasswordPage', () => {
  it('maps the codes to their fields', () => {
    expect(passwordField('E_PASSWORD_WRONG')).toBe('current');
    expect(passwordField('E_PASSWORD_TOO_SHORT')).toBe('new');
    expect(passwordField('E_SESSION_EXPIRED')).toBe(null);
  });
  it('shows a policy error at the new password, linked by aria-describedby', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(400, { code: '22023', details: 'E_PASSWORD_TOO_SHORT', message: 'パスワードは12文字以上にしてください。' })));
    render(<PasswordPage />);
    fill('old-pass', 'short');
    const msg = await screen.findByText(/12文字以上/);
    expect(msg.textContent).toContain('E_PASSWORD_TOO_SHORT');
    const input = screen.getByLabelText(/^新しいパスワード※必須$/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(msg.id);
  });
  it('shows a wrong current password at that field; a mismatch is caught before the call', async () => {
    const f = vi.fn(async () => json(401, { code: '28P01', details: 'E_PASSWORD_WRONG', message: '現在のパスワードが違います。' }));
    vi.stubGlobal('fetch', f);
    render(<PasswordPage />);
    fill('a', 'Long-Enough-1!', 'different');
    expect(screen.getByText('新しいパスワードが確認用と一致しません。')).toBeTruthy();
    expect(f).not.toHaveBeenCalled();
    fill('a', 'Long-Enough-1!');
    await screen.findByText(/現在のパスワードが違います。（E_PASSWORD_WRONG）/);
    expect(screen.getByLabelText(/^現在のパスワード/).getAttribute('aria-invalid')).toBe('true');
  });
  it('says so when changed', async () => {
    const f = vi.fn(async () => json(200, { changed: true }));
    vi.stubGlobal('fetch', f);
    render(<PasswordPage />);
    fill('a', 'Long-Enough-1!');
    await screen.findByText(/パスワードを変更しました/);
    expect(JSON.parse(String((f.mock.calls[0] as any)[1].body))).toEqual({ current_password: 'a', new_password: 'Long-Enough-1!' });
  });
});
