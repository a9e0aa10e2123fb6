import { useEffect, useState } from 'preact/hooks';
import { rpc, ApiError } from '../api/client';
import { label, options } from '../api/vocab';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

type Token = { id: number; name: string; scopes: string[]; expires_at: string; created_at?: string; last_used_at?: string | null; status: string; token?: string; message?: string };
const when = (s: string | null | undefined) => (s ? String(s).slice(0, 16).replace('T', ' ') : '—');
const STATUS: Record<string, string> = { active: '有効', revoked: '失効', expired: '期限切れ' };

/** The token of create_api_token: shown once, with a copy hint. */
function Once({ t }: { t: Token }) {
  return (
    <Notice kind="success">
      <p>{t.message ?? 'APIトークンを控えてください。再表示はできません。'}</p>
      <dl class="dl">
        <dt>名前</dt><dd>{t.name}</dd>
        <dt>APIトークン（再表示できません）</dt>
        <dd><textarea id="token-once" class="secret token-once" readOnly rows={3} aria-label="APIトークン（再表示できません）" aria-describedby="token-once-hint"
          onFocus={(e) => (e.target as HTMLTextAreaElement).select()}>{t.token}</textarea></dd>
      </dl>
      <p id="token-once-hint">欄を選んで Ctrl+C でコピーし、安全な場所に控えてください。この画面を離れると二度と表示できません。</p>
    </Notice>
  );
}

/** APIトークン (hospital admin): list, create (shown once), revoke. */
export function ApiTokensPage() {
  const [rows, setRows] = useState<Token[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expires, setExpires] = useState('');
  const [createError, setCreateError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<Token | null>(null);
  const [pending, setPending] = useState<Token | null>(null);
  const [revokeError, setRevokeError] = useState<ApiError | null>(null);
  const [revoked, setRevoked] = useState<Token | null>(null);

  async function load() {
    setError(null);
    try { setRows((await rpc('list_api_tokens')) as any); } catch (x) { setError(x as ApiError); }
  }
  useEffect(() => { load(); }, []);

  async function create(e: Event) {
    e.preventDefault(); setCreateError(null); setCreated(null); setRevoked(null);
    try {
      const t = (await rpc('create_api_token', {
        name, scopes, expires_at: expires ? new Date(`${expires}T23:59:59+09:00`).toISOString() : null,
      } as any)) as any as Token;
      setCreated(t); setName(''); setScopes([]); setExpires(''); await load();
    } catch (x) { setCreateError(x as ApiError); }
  }
  async function revoke() {
    if (!pending) return;
    setRevokeError(null);
    try { setRevoked((await rpc('revoke_api_token', { token_id: pending.id } as any)) as any); setPending(null); await load(); }
    catch (x) { setRevokeError(x as ApiError); }
  }
  const err = (codes: string[]) => (createError && codes.some((c) => createError.code.startsWith(c)) ? `${createError.message}（${createError.code}）` : null);
  const fieldErr = err(['E_API_TOKEN_NAME', 'E_API_TOKEN_SCOPE', 'E_API_TOKEN_EXPIRY']);

  return (
    <>
      <h1>APIトークン</h1>
      <p>医療機関のシステムがAPIを呼び出すためのトークンです。トークンは発行時に一度だけ表示されます。</p>
      <ErrorBox error={error} />
      {created && <Once t={created} />}
      {revoked && <Notice kind="success"><p>APIトークン「{revoked.name}」を失効させました。</p></Notice>}
      {pending && (
        <div class="alert alert-warning" role="alertdialog" aria-labelledby="revoke-title" aria-describedby="revoke-desc">
          <h2 id="revoke-title">APIトークンの失効: {pending.name}</h2>
          <p id="revoke-desc">このトークンを使うシステムは、次の要求から拒否されます。元に戻せません。</p>
          <ErrorBox error={revokeError} />
          <button class="btn btn-primary" onClick={revoke} autoFocus>失効させる</button>{' '}
          <button class="btn" onClick={() => { setPending(null); setRevokeError(null); }}>やめる</button>
        </div>
      )}
      {rows && (rows.length === 0 ? <p role="status">APIトークンはありません。</p> : (
        <div class="table-wrap"><table class="table">
          <caption>{rows.length}件</caption>
          <thead><tr><th scope="col">名前</th><th scope="col">権限範囲</th><th scope="col">有効期限</th><th scope="col">最終利用</th><th scope="col">状態</th><th scope="col">操作</th></tr></thead>
          <tbody>{rows.map((t) => (
            <tr>
              <td>{t.name}</td>
              <td>{(t.scopes ?? []).map((s) => label('ApiTokenScope', s)).join('、')}</td>
              <td>{when(t.expires_at)}</td>
              <td>{when(t.last_used_at)}</td>
              <td>{STATUS[t.status] ?? t.status}</td>
              <td class="actions">{t.status === 'active' && <button class="btn btn-small" aria-label={`失効: ${t.name}`}
                onClick={() => { setPending(t); setRevokeError(null); setCreated(null); setRevoked(null); }}>失効</button>}</td>
            </tr>))}</tbody>
        </table></div>
      ))}
      <h2>APIトークンの発行</h2>
      <form onSubmit={create} noValidate>
        {createError && !fieldErr && <ErrorBox error={createError} />}
        <div class="grid-2">
          <Field id="tk-name" label="名前（使うシステム）" required error={err(['E_API_TOKEN_NAME'])}>
            {(a) => <input {...a} type="text" maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}
          </Field>
          <Field id="tk-expires" label="有効期限（最長1年）" required error={err(['E_API_TOKEN_EXPIRY'])}>
            {(a) => <input {...a} type="date" value={expires} onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />}
          </Field>
        </div>
        <fieldset aria-describedby={err(['E_API_TOKEN_SCOPE']) ? 'tk-scopes-error' : undefined}>
          <legend>権限範囲<span class="required">※必須</span></legend>
          {options('ApiTokenScope').map((o) => (
            <div class="field checkbox"><input id={`tk-scope-${o.code}`} type="checkbox" checked={scopes.includes(o.code)}
              onChange={(e) => setScopes((e.target as HTMLInputElement).checked ? [...scopes, o.code] : scopes.filter((s) => s !== o.code))} />
              <label for={`tk-scope-${o.code}`}>{o.label}（{o.code}）</label></div>
          ))}
          {err(['E_API_TOKEN_SCOPE']) && <p class="field-error" id="tk-scopes-error">{err(['E_API_TOKEN_SCOPE'])}</p>}
        </fieldset>
        <button class="btn btn-primary" type="submit">発行する</button>
      </form>
    </>
  );
}
