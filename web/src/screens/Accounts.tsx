import { useEffect, useState } from 'preact/hooks';
import { rpc, rpcPage, view, ApiError } from '../api/client';
import { Pager } from '../ui/Pager';
import { label, options, mayCall } from '../api/vocab';
import type { AccountRow } from '../api/types';
import { me } from '../session';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { readText } from '../ui/readFile';

type Action = 'reset_password' | 'unlock_account' | 'reissue_key' | 'transfer_hospital_admin';
const ACTIONS: { fn: Action; text: string; confirm: string }[] = [
  { fn: 'reset_password', text: 'パスワード再発行', confirm: '初期パスワードを再発行します（ロックも解除されます）。' },
  { fn: 'unlock_account', text: 'ロック解除', confirm: 'このユーザIDのロックを解除します。' },
  { fn: 'reissue_key', text: '暗号化キー再発行', confirm: '今の暗号化キーファイルは直ちに使えなくなります。' },
  { fn: 'transfer_hospital_admin', text: '責任者の引継ぎ', confirm: '責任者の権限をこのユーザIDに引き継ぎます。あなたは責任者でなくなります。' },
];

/** The one-time answer of an action: initial password, enrolment code … shown once. */
function Secret({ r }: { r: any }) {
  return (
    <Notice kind="success">
      {r.message && <p>{r.message}</p>}
      <dl class="dl">
        {r.login_id && <><dt>ログインID</dt><dd><code>{r.login_id}</code></dd></>}
        {r.initial_password && <><dt>初期パスワード</dt><dd><code class="secret">{r.initial_password}</code></dd></>}
        {r.enrolment_code && <><dt>登録コード（再表示できません）</dt><dd><code class="secret">{r.enrolment_code}</code></dd></>}
        {r.enrolment_code_expires_at && <><dt>登録コードの有効期限</dt><dd>{String(r.enrolment_code_expires_at).slice(0, 16).replace('T', ' ')}</dd></>}
        {r.unlocked && <><dt>ロック</dt><dd>解除しました</dd></>}
        {r.transferred && <><dt>責任者</dt><dd>{r.from} から {r.to} に引き継ぎました</dd></>}
      </dl>
      {r.initial_password && <p>初期パスワードは本人に直接お伝えください。初回ログイン時に変更します。</p>}
    </Notice>
  );
}

export function AccountsPage() {
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const [deleted, setDeleted] = useState(false);
  const [rows, setRows] = useState<AccountRow[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [pending, setPending] = useState<{ row: AccountRow; fn: Action } | null>(null);
  const [result, setResult] = useState<any>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [del, setDel] = useState<{ row: AccountRow; reason: string } | null>(null);
  const [desig, setDesig] = useState<{ row: AccountRow; date: string; number: string } | null>(null);
  const [deleted2, setDeleted2] = useState<any>(null);
  const myRole = me.value?.role;
  const clear = () => { setPending(null); setDel(null); setDesig(null); setResult(null); setDeleted2(null); setActionError(null); };

  async function runDelete(e: Event) {
    e.preventDefault();
    if (!del) return;
    setActionError(null);
    try { setDeleted2(await rpc('delete_account', { account_id: del.row.id, reason: del.reason } as any)); setDel(null); await load(); }
    catch (err) { setActionError(err as ApiError); }
  }
  async function runDesignation(e: Event) {
    e.preventDefault();
    if (!desig) return;
    setActionError(null);
    try {
      setResult(await rpc('update_doctor_designation', { account_id: desig.row.id, designation_expires_on: desig.date || null,
        designated_doctor_number: desig.number.trim() || undefined } as any));
      setDesig(null); await load();
    } catch (err) { setActionError(err as ApiError); }
  }
  const actErr = (codes: string[]) => (actionError && codes.includes(actionError.code) ? `${actionError.message}（${actionError.code}）` : null);

  async function load(e?: Event, at = e ? 0 : offset) {
    e?.preventDefault(); setError(null);
    try {
      const r = await rpcPage('list_accounts', { search: search.trim() || undefined, role: role || undefined, include_deleted: deleted || undefined } as any, at, PAGE);
      setRows(r.rows as AccountRow[]); setTotal(r.total); setOffset(at);
    } catch (err) { setError(err as ApiError); }
  }
  useEffect(() => { load(); }, []);

  async function run() {
    if (!pending) return;
    setActionError(null);
    try {
      const r = await rpc(pending.fn, { account_id: pending.row.id } as any);
      setResult(r); setPending(null); await load();
      if (pending.fn === 'transfer_hospital_admin') me.value = (await rpc('whoami')) as any;
    } catch (err) { setActionError(err as ApiError); }
  }

  return (
    <>
      <h1>ユーザID一覧</h1>
      <form class="search-form" role="search" aria-label="ユーザIDの検索" onSubmit={load}>
        <Field id="ac-search" label="氏名・カナ・ログインID">
          {(a) => <input {...a} type="text" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="ac-role" label="利用者区分">
          {(a) => <select {...a} value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            <option value="">すべて</option>
            {options('Role').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <div class="field checkbox"><input id="ac-deleted" type="checkbox" checked={deleted} onChange={(e) => setDeleted((e.target as HTMLInputElement).checked)} /><label for="ac-deleted">削除済みも表示</label></div>
        <button class="btn btn-primary" type="submit">検索</button>
        <a class="btn" href="#/accounts/new">ユーザIDを発行する</a>
      </form>
      <ErrorBox error={error} />
      {result && <Secret r={result} />}
      {deleted2 && <Notice kind="success"><p>ユーザID {deleted2.login_id} を削除しました（{label('DeletionReason', deleted2.reason)}）。</p>
        {deleted2.hospital_left_without_admin && <p>この医療機関には責任者がいなくなりました。</p>}</Notice>}
      {del && (
        <form class="alert alert-warning" role="alertdialog" aria-labelledby="del-title" aria-describedby="del-desc" onSubmit={runDelete} noValidate>
          <h2 id="del-title">ユーザIDの削除: {del.row.name}（{del.row.login_id}）</h2>
          <p id="del-desc">このユーザIDではログインできなくなり、すべてのセッションが終了します。元に戻せません。</p>
          {actionError && !actErr(['E_DELETION_REASON']) && <ErrorBox error={actionError} />}
          <Field id="del-reason" label="削除理由" required error={actErr(['E_DELETION_REASON'])}>
            {(a) => <select {...a} value={del.reason} onChange={(e) => setDel({ ...del, reason: (e.target as HTMLSelectElement).value })}>
              <option value="">選択してください</option>
              {options('DeletionReason').map((o) => <option value={o.code}>{o.label}</option>)}
            </select>}
          </Field>
          <button class="btn btn-primary" type="submit">削除する</button>{' '}
          <button class="btn" type="button" onClick={clear}>やめる</button>
        </form>
      )}
      {desig && (
        <form class="alert alert-warning" role="alertdialog" aria-labelledby="desig-title" aria-describedby="desig-desc" onSubmit={runDesignation} noValidate>
          <h2 id="desig-title">指定医の有効期限の変更: {desig.row.name}（{desig.row.login_id}）</h2>
          <p id="desig-desc">変更すると今の暗号化キーは使えなくなり、すべてのセッションが終了します。指定医は次のログインで、表示される登録コードを使って新しいキーを登録します。</p>
          {actionError && !actErr(['E_EXPIRY_REQUIRED', 'E_DESIGNATED_NUMBER_INVALID', 'E_DUPLICATE_DOCTOR_ID']) && <ErrorBox error={actionError} />}
          <div class="grid-2">
            <Field id="desig-date" label="新しい有効期限" required error={actErr(['E_EXPIRY_REQUIRED'])}>
              {(a) => <input {...a} type="date" value={desig.date} onInput={(e) => setDesig({ ...desig, date: (e.target as HTMLInputElement).value })} />}
            </Field>
            <Field id="desig-number" label="指定医番号（変わる場合）" error={actErr(['E_DESIGNATED_NUMBER_INVALID', 'E_DUPLICATE_DOCTOR_ID'])}>
              {(a) => <input {...a} type="text" value={desig.number} onInput={(e) => setDesig({ ...desig, number: (e.target as HTMLInputElement).value })} />}
            </Field>
          </div>
          <button class="btn btn-primary" type="submit">変更する</button>{' '}
          <button class="btn" type="button" onClick={clear}>やめる</button>
        </form>
      )}
      {pending && (
        <div class="alert alert-warning" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-desc">
          <h2 id="confirm-title">{ACTIONS.find((a) => a.fn === pending.fn)!.text}: {pending.row.name}（{pending.row.login_id}）</h2>
          <p id="confirm-desc">{ACTIONS.find((a) => a.fn === pending.fn)!.confirm}</p>
          <ErrorBox error={actionError} />
          <button class="btn btn-primary" onClick={run} autoFocus>実行する</button>{' '}
          <button class="btn" onClick={() => { setPending(null); setActionError(null); }}>やめる</button>
        </div>
      )}
      {rows && (rows.length === 0 ? <p role="status">該当するユーザIDはありません。</p> : (
        <div class="table-wrap">
        <table class="table accounts">
          <caption>{total ?? rows.length}件</caption>
          <thead><tr><th scope="col">ログインID</th><th scope="col">氏名</th><th scope="col">利用者区分</th><th scope="col">所属</th><th scope="col">状態</th><th scope="col">操作</th></tr></thead>
          <tbody>{rows.map((r) => (
            <tr>
              <td><code>{r.login_id}</code></td>
              <td>{r.name}<br /><small>{r.name_kana}</small></td>
              <td>{label('Role', r.role)}{r.is_hospital_admin ? '・責任者' : ''}{r.doctor_kind ? <><br /><small>{label('DoctorKind', r.doctor_kind)} {r.program ? label('Program', r.program) : ''}</small></> : null}</td>
              <td>{(r as any).organisation_name}</td>
              <td>{(r as any).deleted_at ? '削除済み' : [(r as any).locked ? 'ロック中' : '', (r as any).enrolled ? '登録済み' : '初回登録前'].filter(Boolean).join('・')}</td>
              <td class="actions">{!(r as any).deleted_at && ACTIONS.filter((a) => mayCall(myRole, `/rpc/${a.fn}`)
                && (a.fn !== 'unlock_account' || (r as any).locked)
                && (a.fn !== 'transfer_hospital_admin' || (me.value?.is_hospital_admin && r.id !== me.value?.id))).map((a) => (
                <button class="btn btn-small" onClick={() => { clear(); setPending({ row: r, fn: a.fn }); }}
                  aria-label={`${a.text}: ${r.login_id}`}>{a.text}</button>))}
                {!(r as any).deleted_at && r.role === 'doctor' && mayCall(myRole, '/rpc/update_doctor_designation') && (
                  <button class="btn btn-small" aria-label={`有効期限変更: ${r.login_id}`}
                    onClick={() => { clear(); setDesig({ row: r, date: String((r as any).designation_expires_on ?? ''), number: '' }); }}>有効期限変更</button>)}
                {!(r as any).deleted_at && r.id !== me.value?.id && mayCall(myRole, '/rpc/delete_account') && (
                  <button class="btn btn-small" aria-label={`削除: ${r.login_id}`}
                    onClick={() => { clear(); setDel({ row: r, reason: '' }); }}>削除</button>)}</td>
            </tr>))}
          </tbody>
        </table></div>
      ))}
      {rows && <Pager offset={offset} limit={PAGE} total={total} shown={rows.length} onPage={(at) => load(undefined, at)} />}
    </>
  );
}

const PAGE = 50;

type Org = { id: number; kind: string; code: string; name: string };

export function AccountIssuePage() {
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [f, setF] = useState<Record<string, string>>({ role: '', organisation_id: String((me.value as any)?.organisation?.id ?? ''), name: '', name_kana: '', email: '', program: '', doctor_kind: '', medical_registry_number: '', designated_doctor_number: '', designation_expires_on: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<any>(null);
  useEffect(() => { view<Org>('organisations', (q) => q.select('id,kind,code,name').order('id')).then(setOrgs).catch((e) => setError(e)); }, []);
  const set = (k: string) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const err = (k: string) => (error && error.hint === k ? `${error.message}（${error.code}）` : null);
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setDone(null);
    const args: Record<string, any> = {};
    for (const [k, v] of Object.entries(f)) if (v.trim() !== '') args[k] = k === 'organisation_id' ? Number(v) : v.trim();
    try { setDone(await rpc('issue_account', args as any)); } catch (x) { setError(x as ApiError); }
  }
  const doctor = f.role === 'doctor';
  return (
    <>
      <h1>ユーザID発行</h1>
      {done && <Secret r={done} />}
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <div class="grid-2">
          <Field id="ai-role" label="利用者区分" required error={err('role')}>
            {(a) => <select {...a} value={f.role} onChange={set('role')}>
              <option value="">選択してください</option>
              {options('Role').map((o) => <option value={o.code}>{o.label}</option>)}
            </select>}
          </Field>
          <Field id="ai-org" label="所属組織" required error={err('organisation_id')}>
            {(a) => <select {...a} value={f.organisation_id} onChange={set('organisation_id')}>
              <option value="">選択してください</option>
              {orgs.map((o) => <option value={String(o.id)}>{o.name}（{o.code}）</option>)}
            </select>}
          </Field>
          <Field id="ai-name" label="氏名" required error={err('name')}>
            {(a) => <input {...a} type="text" value={f.name} onInput={set('name')} />}
          </Field>
          <Field id="ai-kana" label="氏名カナ" required error={err('name_kana')}>
            {(a) => <input {...a} type="text" value={f.name_kana} onInput={set('name_kana')} />}
          </Field>
          <Field id="ai-email" label="メールアドレス" error={err('email')}>
            {(a) => <input {...a} type="email" value={f.email} onInput={set('email')} />}
          </Field>
        </div>
        {doctor && (
          <fieldset>
            <legend>指定医の情報</legend>
            <div class="grid-2">
              <Field id="ai-program" label="制度" required error={err('program')}>
                {(a) => <select {...a} value={f.program} onChange={set('program')}>
                  <option value="">選択してください</option>
                  {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
                </select>}
              </Field>
              <Field id="ai-kind" label="指定医の種別" required error={err('doctor_kind')}>
                {(a) => <select {...a} value={f.doctor_kind} onChange={set('doctor_kind')}>
                  <option value="">選択してください</option>
                  {options('DoctorKind').map((o) => <option value={o.code}>{o.label}</option>)}
                </select>}
              </Field>
              <Field id="ai-registry" label="医籍登録番号" required error={err('medical_registry_number')}>
                {(a) => <input {...a} type="text" value={f.medical_registry_number} onInput={set('medical_registry_number')} />}
              </Field>
              <Field id="ai-designated" label="指定医番号" required error={err('designated_doctor_number')}>
                {(a) => <input {...a} type="text" value={f.designated_doctor_number} onInput={set('designated_doctor_number')} />}
              </Field>
              <Field id="ai-expires" label="指定医の有効期限" required error={err('designation_expires_on')}>
                {(a) => <input {...a} type="date" value={f.designation_expires_on} onInput={set('designation_expires_on')} />}
              </Field>
            </div>
          </fieldset>
        )}
        <button class="btn btn-primary" type="submit">発行する</button>
      </form>
    </>
  );
}

type Problem = { line: number; column?: string; code: string; message: string };

export function BulkIssuePage() {
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [report, setReport] = useState<{ accepted: boolean; message?: string; problems?: Problem[]; accounts?: any[] } | null>(null);
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setReport(null);
    try {
      setReport((await rpc('issue_accounts_from_csv', { csv })) as any);
    } catch (x) {
      const b = (x as ApiError).body;
      if (b && Array.isArray(b.problems)) setReport(b); else setError(x as ApiError);
    }
  }
  return (
    <>
      <h1>ユーザID一括発行（医療機関ユーザデータファイル）</h1>
      <p>CSVファイルを選ぶか、内容を貼り付けてください。1行でも誤りがあれば1件も発行しません。</p>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <Field id="bi-file" label="CSVファイル">
          {(a) => <input {...a} type="file" accept=".csv,text/csv" onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (file) { setCsv(await readText(file)); setFileName(file.name); }
          }} />}
        </Field>
        {fileName && <p class="hint">選択中: {fileName}</p>}
        <Field id="bi-csv" label="CSVの内容" required>
          {(a) => <textarea {...a} rows={8} value={csv} onInput={(e) => setCsv((e.target as HTMLTextAreaElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit">一括発行する</button>
      </form>
      {report && !report.accepted && (
        <section aria-labelledby="bi-problems">
          <div class="alert alert-error" role="alert"><p>{report.message}</p></div>
          <table class="table"><caption id="bi-problems">行ごとの誤り（{report.problems?.length ?? 0}件）</caption>
            <thead><tr><th scope="col">行</th><th scope="col">列</th><th scope="col">内容</th><th scope="col">コード</th></tr></thead>
            <tbody>{report.problems?.map((p) => <tr><td>{p.line}</td><td>{p.column ?? '—'}</td><td>{p.message}</td><td><code>{p.code}</code></td></tr>)}</tbody>
          </table>
        </section>
      )}
      {report?.accepted && (
        <section aria-labelledby="bi-done">
          <Notice kind="success"><p>{report.accounts?.length ?? 0}件のユーザIDを発行しました。初期パスワードは本人に直接お伝えください（再表示できません）。</p></Notice>
          <table class="table"><caption id="bi-done">発行結果</caption>
            <thead><tr><th scope="col">行</th><th scope="col">ログインID</th><th scope="col">氏名</th><th scope="col">利用者区分</th><th scope="col">初期パスワード</th></tr></thead>
            <tbody>{report.accounts?.map((a) => <tr><td>{a.line}</td><td><code>{a.login_id}</code></td><td>{a.name}</td><td>{label('Role', a.role)}{a.is_hospital_admin ? '・責任者' : ''}</td><td><code class="secret">{a.initial_password}</code></td></tr>)}</tbody>
          </table>
        </section>
      )}
    </>
  );
}

type Secondary = { id: number; account_id: number; doctor_login_id: string; doctor_name: string; hospital_id: number; medical_institution_code: string; hospital_name: string; status: string; applied_at: string; decided_at: string | null };

export function SecondaryPage() {
  const [rows, setRows] = useState<Secondary[] | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const role = me.value?.role;
  const load = async () => { try { setRows(await view<Secondary>('secondary_hospitals', (q) => q.order('id', { ascending: false }))); } catch (e) { setError(e as ApiError); } };
  useEffect(() => { load(); }, []);
  const act = async (fn: any, args: any, done: string) => {
    setError(null); setMsg(null);
    try { await rpc(fn, args); setMsg(done); await load(); } catch (e) { setError(e as ApiError); }
  };
  const canDecide = mayCall(role, '/rpc/decide_secondary_hospital') && (role !== 'doctor' || me.value?.is_hospital_admin);
  return (
    <>
      <h1>兼務先</h1>
      <ErrorBox error={error} />
      {msg && <Notice kind="success"><p>{msg}</p></Notice>}
      {mayCall(role, '/rpc/apply_secondary_hospital') && role === 'doctor' && (
        <form class="search-form" onSubmit={(e) => { e.preventDefault(); act('apply_secondary_hospital', { medical_institution_code: code.trim() }, '兼務先を申請しました。'); }}>
          <Field id="sh-code" label="兼務先の医療機関コード（10桁）" required>
            {(a) => <input {...a} type="text" inputMode="numeric" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />}
          </Field>
          <button class="btn btn-primary" type="submit">申請する</button>
        </form>
      )}
      {rows && (rows.length === 0 ? <p role="status">申請はありません。</p> : (
        <table class="table"><caption>申請と承認状況</caption>
          <thead><tr><th scope="col">申請ID</th><th scope="col">指定医</th><th scope="col">兼務先</th><th scope="col">状態</th><th scope="col">申請日時</th><th scope="col">操作</th></tr></thead>
          <tbody>{rows.map((r) => (
            <tr><td>{r.id}</td><td>{r.doctor_name}（{r.doctor_login_id}）</td><td>{r.hospital_name}（{r.medical_institution_code}）</td>
              <td>{label('SecondaryHospitalStatus', r.status)}</td><td>{r.applied_at?.slice(0, 16).replace('T', ' ')}</td>
              <td class="actions">
                {canDecide && r.status === 'applied' && r.account_id !== me.value?.id && <>
                  <button class="btn btn-small" onClick={() => act('decide_secondary_hospital', { application_id: r.id, approve: true }, '承認しました。')}>承認</button>
                  <button class="btn btn-small" onClick={() => act('decide_secondary_hospital', { application_id: r.id, approve: false }, '却下しました。')}>却下</button>
                </>}
                {(r.status === 'applied' || r.status === 'approved') && mayCall(role, '/rpc/withdraw_secondary_hospital') &&
                  <button class="btn btn-small" onClick={() => act('withdraw_secondary_hospital', { application_id: r.id }, '取り下げました。')}>取下げ・終了</button>}
              </td></tr>))}
          </tbody>
        </table>
      ))}
    </>
  );
}

export function HospitalCodePage() {
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [hospital, setHospital] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<any>(null);
  const load = () => view<Org>('organisations', (q) => q.select('id,kind,code,name').eq('kind', 'hospital').order('code')).then(setOrgs).catch((e) => setError(e));
  useEffect(() => { load(); }, []);
  async function submit(e: Event) {
    e.preventDefault(); setError(null); setDone(null);
    try { setDone(await rpc('change_medical_institution_code', { hospital_id: Number(hospital), new_code: code.trim() } as any)); load(); }
    catch (x) { setError(x as ApiError); }
  }
  return (
    <>
      <h1>医療機関コード変更</h1>
      <p>医療機関のユーザIDは新しいコードで書き換えられます。</p>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <Field id="hc-hospital" label="医療機関" required>
          {(a) => <select {...a} value={hospital} onChange={(e) => setHospital((e.target as HTMLSelectElement).value)}>
            <option value="">選択してください</option>
            {orgs.map((o) => <option value={String(o.id)}>{o.name}（{o.code}）</option>)}
          </select>}
        </Field>
        <Field id="hc-code" label="新しい医療機関コード（10桁）" required>
          {(a) => <input {...a} type="text" inputMode="numeric" value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit">変更する</button>
      </form>
      {done && (
        <section>
          <Notice kind="success"><p>医療機関コードを {done.old_code} から {done.new_code} に変更しました。</p></Notice>
          <table class="table"><caption>ユーザIDの新旧対応（{done.accounts?.length ?? 0}件）</caption>
            <thead><tr><th scope="col">旧ログインID</th><th scope="col">新ログインID</th></tr></thead>
            <tbody>{done.accounts?.map((a: any) => <tr><td><code>{a.old_login_id}</code></td><td><code>{a.new_login_id}</code></td></tr>)}</tbody>
          </table>
        </section>
      )}
    </>
  );
}
