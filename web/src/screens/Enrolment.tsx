import { useState } from 'preact/hooks';
import { enrolling, logout } from '../session';
import { rpc, setBearer, ApiError } from '../api/client';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

type Result = { key_file?: string | null; key_file_name?: string | null; message?: string };

/** First login (A7): new password, e-mail, then the key file download. */
export function EnrolmentPage() {
  const need = enrolling.value;
  const [password, setPassword] = useState('');
  const [password2, setPassword2] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);

  if (!need && !result) {
    return <main id="main" class="narrow"><h1>初回登録</h1><p>ログインしてください。</p><a href="#/">ログイン画面へ</a></main>;
  }
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (need?.must_change_password && password !== password2) { setMismatch(true); return; }
    setMismatch(false); setBusy(true);
    try {
      const r = (await rpc('complete_enrolment', {
        new_password: need?.must_change_password ? password : undefined,
        email: email.trim() || undefined,
      } as any)) as Result;
      setResult(r);
      setBearer(null); // the enrolment session has ended on the server
      enrolling.value = null;
    } catch (err) { setError(err as ApiError); } finally { setBusy(false); }
  }
  if (result) {
    const href = result.key_file ? URL.createObjectURL(new Blob([result.key_file], { type: 'application/octet-stream' })) : null;
    return (
      <main id="main" class="narrow">
        <h1>初回登録が完了しました</h1>
        <Notice kind="warning"><p>{result.message}</p></Notice>
        {href && (
          <p><a class="btn btn-primary" href={href} download={result.key_file_name ?? 'nanbyo.key'} id="key-download">
            暗号化キーファイルを保存する（{result.key_file_name}）</a></p>
        )}
        <p><a href="#/" onClick={() => logout()}>ログイン画面へ</a></p>
      </main>
    );
  }
  return (
    <main id="main" class="narrow">
      <h1>初回登録</h1>
      <p>ログインID <strong>{need!.login_id}</strong> の初回登録です。登録後、暗号化キーファイルを保存し、もう一度ログインしてください。</p>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        {need!.must_change_password && <>
          <Field id="enrol-password" label="新しいパスワード" required hint="パスワードの条件はサーバーが確認します。">
            {(a) => <input {...a} type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />}
          </Field>
          <Field id="enrol-password2" label="新しいパスワード（確認）" required error={mismatch ? '確認用のパスワードが一致しません。' : null}>
            {(a) => <input {...a} type="password" autoComplete="new-password" value={password2} onInput={(e) => setPassword2((e.target as HTMLInputElement).value)} />}
          </Field>
        </>}
        <Field id="enrol-email" label="メールアドレス" required={need!.must_register_email}>
          {(a) => <input {...a} type="email" autoComplete="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />}
        </Field>
        <button type="submit" class="btn btn-primary" disabled={busy}>登録する</button>
      </form>
    </main>
  );
}
