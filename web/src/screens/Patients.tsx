import { useEffect, useState } from 'preact/hooks';
import { rpc, rpcPage, view, ApiError } from '../api/client';
import { Pager } from '../ui/Pager';
import { me } from '../session';
import { label, options } from '../api/vocab';
import type { PatientRow } from '../api/types';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { go } from '../router';

const PAGE = 50;

/** My patients: api.search_patients by kana reading and birth date. */
export function PatientsPage() {
  const [kana, setKana] = useState('');
  const [birth, setBirth] = useState('');
  const [rows, setRows] = useState<PatientRow[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);

  async function search(e?: Event, at = 0) {
    e?.preventDefault();
    setError(null);
    try {
      const r = await rpcPage('search_patients', { name_kana: kana.trim() || undefined, birth_date: birth || undefined }, at, PAGE);
      setRows(r.rows as PatientRow[]); setTotal(r.total); setOffset(at);
    } catch (err) { setError(err as ApiError); setRows(null); }
  }
  useEffect(() => { search(); }, []);

  return (
    <>
      <h1>患者一覧・検索</h1>
      <form class="search-form" onSubmit={search} role="search" aria-label="患者の検索">
        <Field id="ps-kana" label="氏名カナ（前方一致）">
          {(a) => <input {...a} type="text" value={kana} onInput={(e) => setKana((e.target as HTMLInputElement).value)} />}
        </Field>
        <Field id="ps-birth" label="生年月日">
          {(a) => <input {...a} type="date" value={birth} onInput={(e) => setBirth((e.target as HTMLInputElement).value)} />}
        </Field>
        <button class="btn btn-primary" type="submit">検索</button>
        <button class="btn" type="button" onClick={() => go('/patients/new')}>患者を登録する</button>
      </form>
      <ErrorBox error={error} />
      {rows && (rows.length === 0 ? <p role="status">該当する患者はいません。</p> : (
        <table class="table">
          <caption>{total ?? rows.length}件</caption>
          <thead><tr><th scope="col">患者ID</th><th scope="col">氏名</th><th scope="col">氏名カナ</th><th scope="col">生年月日</th><th scope="col">性別</th><th scope="col">票</th><th scope="col">住所</th></tr></thead>
          <tbody>{rows.map((p) => (
            <tr>
              <td>{p.id}</td>
              <td><a href={`#/patients/${p.id}`}>{p.name}</a></td>
              <td>{p.name_kana}</td>
              <td>{p.birth_date}</td>
              <td>{label('Sex', p.sex)}</td>
              <td>{(p as any).forms ?? 0}</td>
              <td>{p.address}</td>
            </tr>))}
          </tbody>
        </table>
      ))}
      {rows && <Pager offset={offset} limit={PAGE} total={total} shown={rows.length} onPage={(at) => search(undefined, at)} />}
    </>
  );
}

/** The date in the Japanese calendar, as the browser's Intl names the era (no era table here). */
export function wareki(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return '';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const jp = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(d);
  return `西暦 ${+m[1]}年${+m[2]}月${+m[3]}日（${jp}）`;
}

export type PatientFields = { name: string; name_kana: string; birth_date: string; sex: string; postal_code: string; address: string; hospital_id?: string };
const empty: PatientFields = { name: '', name_kana: '', birth_date: '', sex: '', postal_code: '', address: '' };

/** The hospitals the caller works for (whoami.hospital_ids: their own and approved secondary ones). */
function HospitalChoice({ value, onChange, id }: { value: string; onChange: (v: string) => void; id: string }) {
  const ids = ((me.value as any)?.hospital_ids ?? []) as number[];
  const [names, setNames] = useState<Record<number, string>>({});
  useEffect(() => {
    if (ids.length > 1) view<{ id: number; code: string; name: string }>('organisations', (q) => q.select('id,code,name').in('id', ids))
      .then((os) => setNames(Object.fromEntries(os.map((o) => [o.id, `${o.name}（${o.code}）`])))).catch(() => {});
  }, [ids.join()]);
  if (ids.length < 2) return null;
  return (
    <Field id={id} label="医療機関" required hint="兼務先の患者として登録するときは、その医療機関を選んでください。">
      {(a) => <select {...a} value={value || String(ids[0])} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {ids.map((h) => <option value={String(h)}>{names[h] ?? `医療機関ID ${h}`}</option>)}
      </select>}
    </Field>
  );
}

/** The patient's fields; the server checks them (E_PATIENT_…) and names the field in its message. */
export function PatientForm({ initial, submitText, onSubmit, idPrefix, chooseHospital }: {
  initial?: Partial<PatientFields>; submitText: string; idPrefix: string; chooseHospital?: boolean;
  onSubmit: (f: PatientFields) => Promise<void>;
}) {
  const [f, setF] = useState<PatientFields>(() => {
    const v = { ...empty };
    for (const k of Object.keys(empty) as (keyof PatientFields)[]) v[k] = (initial?.[k] as string | null | undefined) ?? '';
    return v;
  });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // the addresses of the typed postal code (api.lookup_postal_code: Japan Post's data)
  const [found, setFound] = useState<{ address: string }[] | null>(null);
  const set = (k: keyof PatientFields) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  async function lookUp() {
    setError(null); setFound(null);
    try {
      const rows = ((await rpc('lookup_postal_code', { postal_code: f.postal_code })) ?? []) as any[];
      setFound(rows);
      if (rows.length === 1) setF({ ...f, address: rows[0].address });
    } catch (x) { setError(x as ApiError); }
  }
  // the server's problem codes name the field: E_PATIENT_NAME_KANA → name_kana
  const FIELD_OF: Record<string, string> = {
    E_PATIENT_NAME: 'name', E_PATIENT_KANA: 'name_kana', E_PATIENT_BIRTH_DATE: 'birth_date',
    E_PATIENT_SEX: 'sex', E_PATIENT_ADDRESS: 'address', E_PATIENT_POSTAL_CODE: 'postal_code',
    E_POSTAL_CODE_FORMAT: 'postal_code',
  };
  const fieldOf = (e: ApiError | null) => (e ? FIELD_OF[e.code] ?? null : null);
  const bad = fieldOf(error);
  const err = (k: string) => (bad === k ? `${error!.message}（${error!.code}）` : null);
  async function submit(e: Event) {
    e.preventDefault(); setBusy(true); setError(null);
    try { await onSubmit(f); } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  return (
    <form onSubmit={submit} noValidate>
      <ErrorBox error={error} />
      {chooseHospital && <HospitalChoice id={`${idPrefix}-hospital`} value={f.hospital_id ?? ''} onChange={(v) => setF({ ...f, hospital_id: v })} />}
      <div class="grid-2">
        <Field id={`${idPrefix}-name`} label="氏名" required error={err('name')}>
          {(a) => <input {...a} type="text" value={f.name} onInput={set('name')} />}
        </Field>
        <Field id={`${idPrefix}-kana`} label="氏名カナ" required hint="全角カタカナ（例: ナンビョウ イチロウ）" error={err('name_kana')}>
          {(a) => <input {...a} type="text" value={f.name_kana} onInput={set('name_kana')} />}
        </Field>
        <Field id={`${idPrefix}-birth`} label="生年月日" required error={err('birth_date')}>
          {(a) => <>
            <input {...a} type="date" value={f.birth_date} onInput={set('birth_date')}
              aria-describedby={[a['aria-describedby'], `${idPrefix}-birth-wareki`].filter(Boolean).join(' ')} />
            <p class="hint" id={`${idPrefix}-birth-wareki`} aria-live="polite">{wareki(f.birth_date)}</p>
          </>}
        </Field>
        <Field id={`${idPrefix}-sex`} label="性別" required error={err('sex')}>
          {(a) => (
            <select {...a} value={f.sex} onChange={set('sex')}>
              <option value="">選択してください</option>
              {options('Sex').map((o) => <option value={o.code}>{o.label}</option>)}
            </select>
          )}
        </Field>
        <Field id={`${idPrefix}-postal`} label="郵便番号" hint="例: 100-0001（「住所を検索」で住所を入れます）" error={err('postal_code')}>
          {(a) => <div class="inline">
            <input {...a} type="text" inputMode="numeric" autoComplete="postal-code" value={f.postal_code} onInput={set('postal_code')} />
            <button class="btn" type="button" onClick={lookUp} disabled={!f.postal_code.trim()}>住所を検索</button>
          </div>}
        </Field>
        <Field id={`${idPrefix}-address`} label="住所" required error={err('address')}>
          {(a) => <>
            <input {...a} type="text" autoComplete="street-address" value={f.address} onInput={set('address')} />
            {found && found.length === 0 && <p class="hint" role="status">この郵便番号の住所は見つかりませんでした。</p>}
            {found && found.length > 1 && (
              <div role="group" aria-label="郵便番号の住所">
                <p class="hint" role="status">この郵便番号には住所が{found.length}件あります。選んでください。</p>
                <ul class="choices">{found.map((r) => (
                  <li><button class="btn btn-link" type="button" onClick={() => { setF({ ...f, address: r.address }); setFound(null); }}>{r.address}</button></li>
                ))}</ul>
              </div>
            )}
          </>}
        </Field>
      </div>
      <button class="btn btn-primary" type="submit" disabled={busy}>{submitText}</button>
    </form>
  );
}

// The patient's columns as the form's labels name them (above).
const ITEM_LABEL: Record<string, string> = {
  name: '氏名', name_kana: '氏名カナ', birth_date: '生年月日', sex: '性別', postal_code: '郵便番号', address: '住所', insurance: '保険',
};

type Warning = { code: string; message: string; patient_ids?: number[] };

export function PatientRegisterPage() {
  const [done, setDone] = useState<{ id: number; warnings: Warning[] } | null>(null);
  if (done) {
    return (
      <>
        <h1>患者を登録しました</h1>
        <Notice kind="success"><p>患者ID {done.id} を登録しました。</p></Notice>
        {done.warnings.map((w) => (
          <Notice kind="warning">
            <p>{w.message}</p><p class="code">警告コード: <code>{w.code}</code></p>
            {w.patient_ids && <p>既存の患者: {w.patient_ids.map((id) => <a href={`#/patients/${id}`}>患者ID {id} </a>)}</p>}
          </Notice>
        ))}
        <p><a href={`#/patients/${done.id}`}>登録した患者を見る</a> ／ <a href="#/patients" >患者一覧へ</a></p>
      </>
    );
  }
  return (
    <>
      <h1>患者の登録</h1>
      <PatientForm idPrefix="pr" submitText="登録する" chooseHospital onSubmit={async (f) => {
        const r = (await rpc('register_patient', {
          name: f.name, name_kana: f.name_kana, birth_date: f.birth_date, sex: f.sex,
          address: f.address, postal_code: f.postal_code || undefined,
          hospital_id: f.hospital_id ? Number(f.hospital_id) : undefined,
        } as any)) as any;
        setDone({ id: r.id, warnings: r.warnings ?? [] });
      }} />
    </>
  );
}

export function PatientDetailPage({ id }: { id: number }) {
  const [p, setP] = useState<any>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<Warning[] | null>(null);
  const load = async () => {
    try { setP(await rpc('get_patient', { patient_id: id })); setError(null); } catch (e) { setError(e as ApiError); }
  };
  useEffect(() => { load(); }, [id]);
  if (error && !p) return <><h1>患者情報</h1><ErrorBox error={error} /></>;
  if (!p) return <p role="status">読み込み中…</p>;
  return (
    <>
      <h1>患者情報: {p.name}</h1>
      {saved && <Notice kind="success"><p>患者情報を修正しました。</p></Notice>}
      {saved?.map((w) => <Notice kind="warning"><p>{w.message}</p><p class="code">警告コード: <code>{w.code}</code></p></Notice>)}
      {!editing ? (
        <>
          <dl class="dl">
            <dt>患者ID</dt><dd>{p.id}</dd>
            <dt>氏名</dt><dd>{p.name}</dd>
            <dt>氏名カナ</dt><dd>{p.name_kana}</dd>
            <dt>生年月日</dt><dd>{p.birth_date}</dd>
            <dt>性別</dt><dd>{label('Sex', p.sex)}</dd>
            <dt>郵便番号</dt><dd>{p.postal_code ?? '—'}</dd>
            <dt>住所</dt><dd>{p.address}</dd>
          </dl>
          <button class="btn" onClick={() => { setEditing(true); setSaved(null); }}>修正する</button>
        </>
      ) : (
        <PatientForm idPrefix="pu" initial={p} submitText="修正を保存する" onSubmit={async (f) => {
          const { hospital_id: _h, ...fields } = f;
          const r = (await rpc('update_patient', { patient_id: id, ...fields, postal_code: f.postal_code || undefined } as any)) as any;
          setSaved(r.warnings ?? []); setEditing(false); await load();
        }} />
      )}
      <h2>票</h2>
      {p.forms?.length ? (
        <table class="table"><thead><tr><th scope="col">票ID</th><th scope="col">疾病コード</th><th scope="col">年度</th><th scope="col">状態</th><th scope="col">更新日時</th></tr></thead>
          <tbody>{p.forms.map((f: any) => <tr><td>{f.id}</td><td>{f.disease_code}</td><td>{f.fiscal_year}</td><td>{label('FormStatus', f.status)}</td><td>{f.updated_at?.slice(0, 16).replace('T', ' ')}</td></tr>)}</tbody>
        </table>) : <p>票はありません。</p>}
      <h2>変更履歴</h2>
      {p.history?.length ? (
        <table class="table"><thead><tr><th scope="col">日時</th><th scope="col">変更者</th><th scope="col">変更した項目</th></tr></thead>
          <tbody>{p.history.map((h: any) => <tr><td>{String(h.at).slice(0, 16).replace('T', ' ')}</td><td>{h.by}（{label('Role', h.by_role)}）</td><td>{(h.changed ?? []).map((c: string) => ITEM_LABEL[c] ?? c).join('、')}</td></tr>)}</tbody>
        </table>
      ) : <p>変更履歴はありません。</p>}
    </>
  );
}
