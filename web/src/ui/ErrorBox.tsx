import type { ApiError } from '../api/client';

/** An API error as its Japanese message and its code. */
export function ErrorBox({ error, id }: { error: ApiError | Error | null | undefined; id?: string }) {
  if (!error) return null;
  const code = (error as ApiError).code;
  return (
    <div class="alert alert-error" role="alert" id={id}>
      <p>{error.message}</p>
      {code && <p class="code">エラーコード: <code>{code}</code></p>}
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: any; kind?: 'info' | 'warning' | 'success' }) {
  return <div class={`alert alert-${kind}`} role={kind === 'warning' ? 'alert' : 'status'}>{children}</div>;
}
