import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { me, logout, renew, remainingMs, warnExpiry, lost } from '../session';
import { label, mayCall } from '../api/vocab';
import { route } from '../router';
import { ErrorBox } from '../ui/ErrorBox';
import { LoginForm } from './Login';
import type { ApiError } from '../api/client';

type Nav = { href: string; text: string; show: boolean };

export function navFor(): Nav[] {
  const m = me.value;
  if (!m) return [];
  const role = m.role;
  const admin = role !== 'doctor' || !!m.is_hospital_admin; // a doctor manages accounts only as 責任者
  return [
    { href: '#/patients', text: '患者一覧・検索', show: mayCall(role, '/rpc/search_patients') },
    { href: '#/patients/new', text: '患者の登録', show: mayCall(role, '/rpc/register_patient') },
    { href: '#/forms', text: '票の一覧', show: mayCall(role, '/rpc/create_form') },
    { href: '#/municipality', text: '票の照会・受付', show: mayCall(role, '/rpc/take_over_form') },
    { href: '#/paper-scans', text: '紙の票のスキャン', show: mayCall(role, '/rpc/list_paper_scans') },
    { href: '#/municipality/certification-import', text: '認定結果の一括取込', show: mayCall(role, '/rpc/import_certification_results') },
    { href: '#/accounts', text: 'ユーザID一覧', show: admin && mayCall(role, '/rpc/issue_account') },
    { href: '#/accounts/new', text: 'ユーザID発行', show: admin && mayCall(role, '/rpc/issue_account') },
    { href: '#/accounts/bulk', text: 'ユーザID一括発行', show: mayCall(role, '/rpc/issue_accounts_from_csv') },
    { href: '#/secondary', text: '兼務先', show: mayCall(role, '/rpc/apply_secondary_hospital') || mayCall(role, '/rpc/decide_secondary_hospital') },
    { href: '#/hospital-code', text: '医療機関コード変更', show: mayCall(role, '/rpc/change_medical_institution_code') },
    { href: '#/export', text: '票の出力', show: mayCall(role, '/rpc/export_forms_xml') },
    { href: '#/statistics', text: '統計', show: mayCall(role, '/rpc/statistics') },
    { href: '#/master', text: 'マスタ管理', show: mayCall(role, '/rpc/add_public_payer_number') },
    { href: '#/operator/research', text: '研究利用', show: mayCall(role, '/rpc/research_requests') },
    { href: '#/api-tokens', text: 'APIトークン', show: admin && mayCall(role, '/rpc/create_api_token') },
    { href: '#/insurance-link', text: '履歴照会連携', show: mayCall(role, '/rpc/create_insurance_inquiry_batch') },
    { href: '#/diseases', text: '疾病マスタ', show: mayCall(role, '/diseases') },
    { href: '#/audit-log', text: '操作ログ', show: mayCall(role, '/rpc/search_audit_log') },
    { href: '#/password', text: 'パスワード変更', show: mayCall(role, '/rpc/change_password') },
  ].filter((n) => n.show);
}

function fmt(ms: number) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}分${String(s % 60).padStart(2, '0')}秒`;
}

/** The warning before the session ends, with 延長 (api.renew_session). */
export function SessionBanner() {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (!warnExpiry.value) return null;
  const left = remainingMs.value ?? 0;
  return (
    <div class="alert alert-warning session-banner" role="alert">
      <p>{left > 0 ? `セッションはあと ${fmt(left)} で終了します。入力中の内容はそのまま残ります。` : 'セッションの有効期限が切れました。'}</p>
      <ErrorBox error={error} />
      {left > 0 && <button class="btn btn-primary" disabled={busy} onClick={async () => {
        setBusy(true); setError(null);
        try { await renew(); } catch (e) { setError(e as ApiError); } finally { setBusy(false); }
      }}>セッションを延長する</button>}
    </div>
  );
}

/** After the server said the session is over: log in again over the screen, which keeps its state. */
export function ReloginDialog() {
  const e = lost.value;
  const box = useRef<HTMLDivElement>(null);
  const open = !!e && !!me.value;
  useEffect(() => {
    if (!open) return;
    const before = document.activeElement as HTMLElement | null;
    box.current?.querySelector<HTMLInputElement>('#relogin-password')?.focus();
    return () => before?.focus?.();
  }, [open]);
  if (!open) return null;
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="relogin-title" ref={box}>
        <h2 id="relogin-title">もう一度ログインしてください</h2>
        <ErrorBox error={e} />
        <p>入力中の内容は残っています。ログインすると続きから操作できます。</p>
        <LoginForm fixedLoginId={me.value!.login_id} idPrefix="relogin" />
        <button class="btn" onClick={() => logout()}>ログアウトする</button>
      </div>
    </div>
  );
}

export function Shell({ children }: { children: ComponentChildren }) {
  const m = me.value!;
  const nav = navFor();
  const blocked = !!lost.value; // the re-login dialog is modal: the rest is inert
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>本文へ移動</a>
      <header class="app-header" inert={blocked}>
        <div class="brand">難病・小慢DB オンライン登録システム</div>
        <div class="who">
          <span>{m.name}（{m.login_id}）</span>
          <span class="role">{label('Role', m.role)}{m.is_hospital_admin ? '・責任者' : ''}</span>
          <span>{(m as any).organisation?.name}</span>
          <button class="btn btn-small" onClick={() => logout()}>ログアウト</button>
        </div>
      </header>
      <nav class="app-nav" aria-label="メインメニュー" inert={blocked}>
        <ul>{nav.map((n) => <li><a href={n.href} aria-current={'#' + route.value === n.href ? 'page' : undefined}>{n.text}</a></li>)}</ul>
      </nav>
      <SessionBanner />
      <main id="main" tabIndex={-1} inert={blocked}>{children}</main>
      <ReloginDialog />
    </>
  );
}
