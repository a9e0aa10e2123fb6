import { useEffect, useState } from 'preact/hooks';
import { db, rpc, toApiError, ApiError } from '../api/client';
import { label, options, mayCall } from '../api/vocab';
import { me } from '../session';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';
import { Pager } from '../ui/Pager';

// 疾病マスタ (D4, issue #19): GET /diseases for every logged-in user; the
// operator admin adds, renames and ends diseases (POST /rpc/add_disease,
// /rpc/rename_disease, /rpc/set_disease_effective_until). Every rule is the
// server's: this screen only asks and shows the answer.

export type Disease = {
  program: string; disease_code: string; notice_number: number; name: string;
  disease_group_code: string | null; disease_group: string | null;
  effective_from: string | null; effective_until: string | null; in_force?: boolean;
  machine_judged: boolean; source: string; updated_at?: string;
};
type Change = { id: number; changed_at: string; change: string; changed_by: string | null; changed_by_name?: string | null;
  old_values: Record<string, any> | null; new_values: Record<string, any> };
export type Filters = { q: string; program: string; group: string; judged: boolean };

const PAGE = 100;
const CHANGE: Record<string, string> = { add: '追加', update: 'データファイルから更新', rename: '名称変更', set_effective_until: '廃止日の設定' };
const day = (s: string | null | undefined) => s ?? '—';

/** The PostgREST query of the filters (search by name or code, program, group, machine-judged only). */
export function applyFilters(q: any, f: Filters) {
  const term = f.q.trim().replace(/[,()*"\\:]/g, '');
  if (term) q = q.or(`name.ilike.*${term}*,disease_code.ilike.*${term}*`);
  if (f.program) q = q.eq('program', f.program);
  if (f.group) q = q.eq('disease_group_code', f.group);
  if (f.judged) q = q.eq('machine_judged', true);
  return q.order('program').order('disease_code');
}

/** The 16 shōman groups as the master names them. */
async function loadGroups(): Promise<{ code: string; name: string }[]> {
  const { data, error, status } = await db().from('diseases').select('disease_group_code,disease_group')
    .eq('program', 'shoman').eq('notice_number', 1).order('disease_group_code');
  if (error) throw toApiError(error, status);
  const seen = new Map<string, string>();
  for (const r of (data ?? []) as any[]) if (r.disease_group_code) seen.set(r.disease_group_code, r.disease_group);
  return [...seen].map(([code, name]) => ({ code, name }));
}

function History({ code }: { code: string }) {
  const [rows, setRows] = useState<Change[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => { rpc('disease_history' as any, { disease_code: code } as any).then((r: any) => setRows(r), (e) => setError(e)); }, [code]);
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <p role="status">読み込み中…</p>;
  return (
    <ol class="history" aria-label={`${code} の変更履歴`}>
      {rows.map((h) => (
        <li>
          {String(h.changed_at).slice(0, 16).replace('T', ' ')} {CHANGE[h.change] ?? h.change}
          {h.changed_by ? `（${h.changed_by_name ?? ''} ${h.changed_by}）` : '（データファイル）'}
          {h.change === 'rename' && `: 「${h.old_values?.name}」→「${h.new_values.name}」`}
          {h.change === 'set_effective_until' && `: ${day(h.old_values?.effective_until)} → ${day(h.new_values.effective_until)}`}
          {h.change === 'add' && `: ${h.new_values.name}`}
        </li>))}
    </ol>
  );
}

/** Rename or end one disease (operator admin). */
function Edit({ d, onDone }: { d: Disease; onDone: (d: Disease, message: string) => void }) {
  const [name, setName] = useState(d.name);
  const [until, setUntil] = useState(d.effective_until ?? '');
  const [source, setSource] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  async function run(kind: 'rename' | 'until') {
    setError(null);
    try {
      const r = kind === 'rename'
        ? await rpc('rename_disease' as any, { disease_code: d.disease_code, name, source } as any)
        : await rpc('set_disease_effective_until' as any, { disease_code: d.disease_code, effective_until: until || null, source } as any);
      onDone(r as any, kind === 'rename' ? `${d.disease_code} の疾病名を変更しました。` : `${d.disease_code} の廃止日を設定しました。`);
    } catch (x) { setError(x as ApiError); }
  }
  const id = `edit-${d.disease_code}`;
  return (
    <section class="panel" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{d.disease_code} {d.name} の変更</h3>
      <ErrorBox error={error} />
      <Field id={`${id}-source`} label="出典（告示・通知など）" required>
        {(a) => <input {...a} type="text" maxLength={300} value={source} onInput={(e) => setSource((e.target as HTMLInputElement).value)} />}
      </Field>
      <div class="grid-2">
        <div>
          <Field id={`${id}-name`} label="新しい疾病名">
            {(a) => <input {...a} type="text" maxLength={300} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}
          </Field>
          <button class="btn" type="button" onClick={() => run('rename')}>疾病名を変更する</button>
        </div>
        <div>
          <Field id={`${id}-until`} label="廃止日（この日まで有効。空欄で取り消し）">
            {(a) => <input {...a} type="date" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />}
          </Field>
          <button class="btn" type="button" onClick={() => run('until')}>廃止日を設定する</button>
        </div>
      </div>
      <h4>変更履歴</h4>
      <History code={d.disease_code} />
    </section>
  );
}

/** Add a disease (operator admin). */
function AddDisease({ onDone }: { onDone: (d: Disease) => void }) {
  const [v, setV] = useState({ disease_code: '', name: '', effective_from: '', effective_until: '', source: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const set = (k: keyof typeof v) => (e: Event) => setV({ ...v, [k]: (e.target as HTMLInputElement).value });
  const err = (codes: string[]) => (error && codes.includes(error.code) ? `${error.message}（${error.code}）` : null);
  const fieldCodes = ['E_DISEASE_CODE_FORMAT', 'E_DISEASE_EXISTS', 'E_DISEASE_NAME_REQUIRED', 'E_DISEASE_NAME_TOO_LONG',
    'E_DISEASE_EFFECTIVE_FROM_REQUIRED', 'E_DISEASE_DATES', 'E_DISEASE_SOURCE_REQUIRED'];
  async function submit(e: Event) {
    e.preventDefault(); setError(null);
    try {
      const d = await rpc('add_disease' as any, { ...v, effective_from: v.effective_from || null, effective_until: v.effective_until || null } as any);
      setV({ disease_code: '', name: '', effective_from: '', effective_until: '', source: '' });
      onDone(d as any);
    } catch (x) { setError(x as ApiError); }
  }
  return (
    <form onSubmit={submit} noValidate aria-labelledby="add-disease-title">
      <h2 id="add-disease-title">疾病の追加</h2>
      {error && !fieldCodes.includes(error.code) && <ErrorBox error={error} />}
      <div class="grid-2">
        <Field id="dz-code" label="疾病コード" required hint="指定難病は N＋告示番号3桁（例: N006）、小児慢性特定疾病は S＋疾患群2桁＋告示番号2桁（例: S0701）"
          error={err(['E_DISEASE_CODE_FORMAT', 'E_DISEASE_EXISTS'])}>
          {(a) => <input {...a} type="text" class="narrow" maxLength={5} value={v.disease_code} onInput={set('disease_code')} />}
        </Field>
        <Field id="dz-name" label="疾病名" required error={err(['E_DISEASE_NAME_REQUIRED', 'E_DISEASE_NAME_TOO_LONG'])}>
          {(a) => <input {...a} type="text" maxLength={300} value={v.name} onInput={set('name')} />}
        </Field>
        <Field id="dz-from" label="施行日" required error={err(['E_DISEASE_EFFECTIVE_FROM_REQUIRED'])}>
          {(a) => <input {...a} type="date" value={v.effective_from} onInput={set('effective_from')} />}
        </Field>
        <Field id="dz-until" label="廃止日（任意）" error={err(['E_DISEASE_DATES'])}>
          {(a) => <input {...a} type="date" value={v.effective_until} onInput={set('effective_until')} />}
        </Field>
        <Field id="dz-source" label="出典（告示・通知など）" required error={err(['E_DISEASE_SOURCE_REQUIRED'])}>
          {(a) => <input {...a} type="text" maxLength={300} value={v.source} onInput={set('source')} />}
        </Field>
      </div>
      <button class="btn btn-primary" type="submit">追加する</button>
    </form>
  );
}

export function DiseasesPage() {
  const [draft, setDraft] = useState<Filters>({ q: '', program: '', group: '', judged: false });
  const [filters, setFilters] = useState<Filters>(draft);
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<Disease[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [groups, setGroups] = useState<{ code: string; name: string }[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const maintainer = mayCall(me.value?.role, '/rpc/add_disease');

  async function load() {
    setError(null);
    try {
      const { data, error: e, status, count } = await applyFilters(db().from('diseases').select('*', { count: 'exact' }), filters)
        .range(offset, offset + PAGE - 1);
      if (e) throw toApiError(e, status);
      setRows(data as any); setTotal(count ?? null);
    } catch (x) { setError(x as ApiError); }
  }
  useEffect(() => { load(); }, [filters, offset]);
  useEffect(() => { loadGroups().then(setGroups, () => setGroups([])); }, []);

  function search(e: Event) { e.preventDefault(); setOffset(0); setFilters({ ...draft }); setDone(null); }
  const changed = (d: Disease, message: string) => { setDone(message); setEditing(null); setRows((rows ?? []).map((r) => (r.disease_code === d.disease_code ? { ...r, ...d } : r))); };

  return (
    <>
      <h1>疾病マスタ</h1>
      <p>指定難病（告示番号）と小児慢性特定疾病（疾患群・告示番号）の一覧です。「機械判定あり」は疾病固有の様式で機械判定が行われる疾病です。</p>
      <form class="filters" onSubmit={search} role="search" aria-label="疾病の検索">
        <div class="grid-2">
          <Field id="dz-q" label="疾病名・疾病コード">
            {(a) => <input {...a} type="text" value={draft.q} onInput={(e) => setDraft({ ...draft, q: (e.target as HTMLInputElement).value })} />}
          </Field>
          <Field id="dz-program" label="制度">
            {(a) => <select {...a} value={draft.program} onChange={(e) => setDraft({ ...draft, program: (e.target as HTMLSelectElement).value, group: '' })}>
              <option value="">すべて</option>
              {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
            </select>}
          </Field>
          <Field id="dz-group" label="疾患群（小児慢性特定疾病）">
            {(a) => <select {...a} value={draft.group} onChange={(e) => setDraft({ ...draft, group: (e.target as HTMLSelectElement).value })}>
              <option value="">すべて</option>
              {groups.map((g) => <option value={g.code}>{g.code} {g.name}</option>)}
            </select>}
          </Field>
          <div class="field checkbox">
            <input id="dz-judged" type="checkbox" checked={draft.judged} onChange={(e) => setDraft({ ...draft, judged: (e.target as HTMLInputElement).checked })} />
            <label for="dz-judged">機械判定ありのみ</label>
          </div>
        </div>
        <button class="btn btn-primary" type="submit">検索する</button>
      </form>
      <ErrorBox error={error} />
      {done && <Notice kind="success"><p>{done}</p></Notice>}
      {rows && (rows.length === 0 ? <p role="status">該当する疾病はありません。</p> : (
        <>
          <div class="table-wrap"><table class="table">
            <caption>{total ?? rows.length}件</caption>
            <thead><tr><th scope="col">疾病コード</th><th scope="col">疾病名</th><th scope="col">制度</th><th scope="col">疾患群</th>
              <th scope="col">施行日</th><th scope="col">廃止日</th><th scope="col">機械判定</th>{maintainer && <th scope="col">操作</th>}</tr></thead>
            <tbody>{rows.map((d) => (
              <tr>
                <td><code>{d.disease_code}</code></td>
                <td>{d.name}</td>
                <td>{label('Program', d.program)}</td>
                <td>{d.disease_group ? `${d.disease_group_code} ${d.disease_group}` : '—'}</td>
                <td>{day(d.effective_from)}</td>
                <td>{day(d.effective_until)}</td>
                <td>{d.machine_judged ? <span class="tag-auto">機械判定あり</span> : '—'}</td>
                {maintainer && <td><button class="btn btn-small" aria-label={`変更: ${d.disease_code} ${d.name}`}
                  aria-expanded={editing === d.disease_code} onClick={() => { setEditing(editing === d.disease_code ? null : d.disease_code); setDone(null); }}>変更・履歴</button></td>}
              </tr>))}</tbody>
          </table></div>
          <Pager offset={offset} limit={PAGE} total={total} shown={rows.length} onPage={setOffset} />
        </>
      ))}
      {maintainer && editing && rows?.find((r) => r.disease_code === editing) &&
        <Edit d={rows.find((r) => r.disease_code === editing)!} onDone={changed} />}
      {maintainer && <AddDisease onDone={(d) => { setDone(`${d.disease_code} ${d.name} を追加しました。`); setDraft({ ...draft, q: d.disease_code }); setOffset(0); setFilters({ q: d.disease_code, program: '', group: '', judged: false }); }} />}
    </>
  );
}
