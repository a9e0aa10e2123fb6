import { useState } from 'preact/hooks';
import { rpc, ApiError } from '../api/client';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

/** Which field an error of change_password belongs to (by its code). */
export function passwordField(code: string | undefined): 'current' | 'new' | null {
  if (!code) return null;
  if (code === 'E_PASSWORD_WRONG') return 'current';
  if (code.startsWith('E_PASSWORD_')) return 'new';
  return null;
}

/** パスワード変更 (every logged-in user): api.change_password. */
export function PasswordPage() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const at = passwordField(error?.code);
  const msg = (f: 'current' | 'new') => (error && at === f ? `${error.message}（${error.code}）` : null);
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setDone(false);
    if (next !== again) { setMismatch(true); return; }
    setMismatch(false); setBusy(true);
    try {
      await rpc('change_password', { current_password: current, new_password: next } as any);
      setDone(true); setCurrent(''); setNext(''); setAgain('');
    } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  return (
    <>
      <h1>パスワード変更</h1>
      {done && <Notice kind="success"><p>パスワードを変更しました。ほかの端末のログインは終了しました。</p></Notice>}
      <form onSubmit={submit} noValidate class="narrow-form">
        {error && !at && <ErrorBox error={error} />}
        <Field id="pw-current" label="現在のパスワード" required error={msg('current')}>
          {(a) => <input {...a} type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="pw-new" label="新しいパスワード" required error={msg('new')}>
          {(a) => <input {...a} type="password" autoComplete="new-password" value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="pw-again" label="新しいパスワード（確認）" required error={mismatch ? '新しいパスワードが確認用と一致しません。' : null}>
          {(a) => <input {...a} type="password" autoComplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={busy}>変更する</button>
      </form>
    </>
  );
}
