import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { LoginForm } from './Login';
import { me, enrolling } from '../session';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); me.value = null; enrolling.value = null; });

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('LoginForm', () => {
  it('sends the key file\'s content as the key, with X-Requested-With, then loads whoami', async () => {
    const calls: { url: string; body: any; headers: Headers }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url: String(url), body: init.body ? JSON.parse(String(init.body)) : null, headers: new Headers(init.headers) });
      if (String(url).endsWith('/rpc/login')) return answer(200, { stage: 'full', expires_at: new Date(Date.now() + 1800e3).toISOString(), account: { login_id: 'X-0001' } });
      return answer(200, { id: 1, login_id: 'X-0001', role: 'clerk', name: '受付' });
    }));
    const done = vi.fn();
    render(<LoginForm onDone={done} />);
    fireEvent.input(screen.getByLabelText(/ログインID/), { target: { value: ' X-0001 ' } });
    fireEvent.input(screen.getByLabelText(/パスワード/), { target: { value: 'pw' } });
    const file = new File(['NANBYO-KEY-1:SECRET\n'], 'X-0001.nanbyokey');
    fireEvent.change(screen.getByLabelText(/暗号化キーファイル/), { target: { files: [file] } });
    await screen.findByText(/選択中: X-0001.nanbyokey/);
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    await waitFor(() => expect(done).toHaveBeenCalledWith('full'));
    expect(calls[0].url).toMatch(/\/api\/rpc\/login$/);
    expect(calls[0].body).toEqual({ login_id: 'X-0001', password: 'pw', key: 'NANBYO-KEY-1:SECRET\n' });
    expect(calls[0].headers.get('X-Requested-With')).toBe('nanbyo-web');
    expect(me.value?.login_id).toBe('X-0001');
  });

  it('shows a refusal as its Japanese message and code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(401, { code: '28P01', details: 'E_LOGIN_FAILED', message: 'ログインID・パスワード・暗号化キーファイルのいずれかが正しくありません。' })));
    render(<LoginForm />);
    fireEvent.input(screen.getByLabelText(/ログインID/), { target: { value: 'X' } });
    fireEvent.input(screen.getByLabelText(/パスワード/), { target: { value: 'bad' } });
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('いずれかが正しくありません');
    expect(alert.textContent).toContain('E_LOGIN_FAILED');
  });

  it('goes to enrolment when the server opens an enrolment session', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(200, { stage: 'enrolment', must_change_password: true, must_register_email: true, must_register_key: true, account: { login_id: 'N-0003' } })));
    const done = vi.fn();
    render(<LoginForm onDone={done} />);
    fireEvent.input(screen.getByLabelText(/ログインID/), { target: { value: 'N-0003' } });
    fireEvent.input(screen.getByLabelText(/パスワード/), { target: { value: 'initial' } });
    fireEvent.click(screen.getByRole('button', { name: 'ログイン' }));
    await waitFor(() => expect(done).toHaveBeenCalledWith('enrolment'));
    expect(enrolling.value).toMatchObject({ login_id: 'N-0003', must_change_password: true });
  });
});
