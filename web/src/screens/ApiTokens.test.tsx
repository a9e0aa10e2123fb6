import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent, waitFor } from '@testing-library/preact';
import { ApiTokensPage } from './ApiTokens';
import { vocab } from '../api/vocab';

afterEach(() => { cleanup(); vi.unstubAllGlobals(); });
beforeEach(() => { vocab.value = { ApiTokenScope: { 'forms:read': '票の参照', 'forms:write': '票の登録' } }; });
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const tok = { id: 7, name: '電子カルテ', scopes: ['forms:read'], expires_at: '2027-01-01T00:00:00+09:00', status: 'active', last_used_at: null };

describe('ApiTokensPage', () => {
  it('creates a token with name, scopes, expiry and shows it once; the list never has it', async () => {
    const bodies: any[] = [];
    let listed: any[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      const body = init.body ? JSON.parse(String(init.body)) : null;
      bodies.push({ url: String(url), body });
      if (String(url).endsWith('/rpc/create_api_token')) { listed = [tok]; return json(200, { ...tok, token: 'eyJ.once.token', message: 'APIトークンを控えてください。再表示はできません。' }); }
      return json(200, listed);
    }));
    render(<ApiTokensPage />);
    await screen.findByText('APIトークンはありません。');
    fireEvent.input(screen.getByLabelText(/^名前/), { target: { value: '電子カルテ' } });
    fireEvent.input(screen.getByLabelText(/^有効期限/), { target: { value: '2027-01-01' } });
    fireEvent.click(screen.getByLabelText('票の参照（forms:read）'));
    fireEvent.click(screen.getByRole('button', { name: '発行する' }));
    const box = await screen.findByLabelText('APIトークン（再表示できません）');
    expect((box as HTMLTextAreaElement).value).toBe('eyJ.once.token');
    const create = bodies.find((b) => b.url.endsWith('/rpc/create_api_token')).body;
    expect(create.name).toBe('電子カルテ');
    expect(create.scopes).toEqual(['forms:read']);
    expect(create.expires_at).toBe('2027-01-01T14:59:59.000Z');
    await waitFor(() => expect(screen.getByRole('table').textContent).toContain('票の参照'));
    expect(screen.getByRole('table').textContent).not.toContain('eyJ.once.token');
  });
  it('revokes after a confirmation', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(String(url));
      if (String(url).endsWith('/rpc/revoke_api_token')) return json(200, { ...tok, status: 'revoked' });
      return json(200, [urls.some((u) => u.endsWith('/rpc/revoke_api_token')) ? { ...tok, status: 'revoked' } : tok]);
    }));
    render(<ApiTokensPage />);
    fireEvent.click(await screen.findByRole('button', { name: '失効: 電子カルテ' }));
    expect(urls.some((u) => u.endsWith('/rpc/revoke_api_token'))).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: '失効させる' }));
    await screen.findByText(/失効させました/);
    await waitFor(() => expect(screen.getByRole('table').textContent).toContain('失効'));
  });
  it('shows a refusal with its message and code at the field', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => String(url).endsWith('/rpc/create_api_token')
      ? json(400, { code: '22023', details: 'E_API_TOKEN_EXPIRY_TOO_LONG', message: 'トークンの有効期限は発行から1年以内にしてください。' })
      : json(200, [])));
    render(<ApiTokensPage />);
    fireEvent.click(screen.getByRole('button', { name: '発行する' }));
    const msg = await screen.findByText(/1年以内にしてください。（E_API_TOKEN_EXPIRY_TOO_LONG）/);
    expect(screen.getByLabelText(/^有効期限/).getAttribute('aria-describedby')).toContain(msg.id);
  });
});
