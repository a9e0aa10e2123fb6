import { useState } from 'preact/hooks';
import { login } from '../session';
import { ApiError } from '../api/client';
import { ErrorBox } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { readText } from '../ui/readFile';

/** Login with login id, password and the encryption key file (its content is the key). */
export function LoginForm({ onDone, fixedLoginId, idPrefix = 'login' }: { onDone?: (stage: 'full' | 'enrolment') => void; fixedLoginId?: string; idPrefix?: string }) {
  const [loginId, setLoginId] = useState(fixedLoginId ?? '');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState<string | null>(null);
  const [keyName, setKeyName] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function onFile(e: Event) {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) { setKey(null); setKeyName(''); return; }
    setKey(await readText(f));
    setKeyName(f.name);
  }
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const stage = await login(loginId.trim(), password, key ?? undefined, code.trim() || undefined);
      onDone?.(stage);
    } catch (err) {
      setError(err as ApiError);
    } finally { setBusy(false); }
  }
  const errId = `${idPrefix}-error`;
  return (
    <form onSubmit={submit} aria-describedby={error ? errId : undefined} noValidate>
      <ErrorBox error={error} id={errId} />
      <Field id={`${idPrefix}-id`} label="ログインID" required>
        {(a) => <input {...a} type="text" autoComplete="username" value={loginId} readOnly={!!fixedLoginId}
          onInput={(e) => setLoginId((e.target as HTMLInputElement).value)} />}
      </Field>
      <Field id={`${idPrefix}-password`} label="パスワード" required>
        {(a) => <input {...a} type="password" autoComplete="current-password" value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />}
      </Field>
      <Field id={`${idPrefix}-key`} label="暗号化キーファイル" hint="初回ログイン時とキー再発行後は不要です。">
        {(a) => <input {...a} required={false} type="file" onChange={onFile} />}
      </Field>
      {keyName && <p class="hint">選択中: {keyName}</p>}
      <details>
        <summary>キーの再発行を受けた方（登録コード）</summary>
        <Field id={`${idPrefix}-code`} label="登録コード" hint="発行元から受け取った登録コード（例: ABCD-EFGH-JKLM）">
          {(a) => <input {...a} type="text" autoComplete="off" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />}
        </Field>
      </details>
      <button type="submit" class="btn btn-primary" disabled={busy}>{busy ? 'ログイン中…' : 'ログイン'}</button>
    </form>
  );
}

export function LoginPage() {
  return (
    <main id="main" class="narrow">
      <h1>難病・小慢DB オンライン登録システム</h1>
      <h2>ログイン</h2>
      <LoginForm onDone={(stage) => { location.hash = stage === 'enrolment' ? '#/enrol' : '#/'; }} />
    </main>
  );
}
