import { useEffect, useState } from 'preact/hooks';
import { rpc, ApiError } from '../api/client';
import { options } from '../api/vocab';
import { formVersions, type FormVersion } from '../forms/api';
import { rpcRaw, saveBlob } from '../ui/download';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

/** The filters as export_forms(_xml) takes them (empty ones left out). */
export function exportArgs(f: { disease: string; year: string; status: string }): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (f.disease) a.disease_code = f.disease;
  if (f.year.trim()) a.fiscal_year = Number(f.year.trim());
  if (f.status) a.status = f.status;
  return a;
}

type DictRow = { form_version_id: number; item_id: string; label: string; section: string | null; type_label: string | null; type: string; unit: string | null;
  min: number | null; max: number | null; required: boolean | null; codes: { code: string; label: string }[] | null };

/** 票の出力 (doctor, clerk, operator): bulk XML, CSV; the data dictionary of a form version. */
export function ExportPage() {
  const [versions, setVersions] = useState<FormVersion[]>([]);
  const [f, setF] = useState({ disease: '', year: '', status: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState('');
  const [dict, setDict] = useState<DictRow[] | null>(null);
  const [dictError, setDictError] = useState<ApiError | null>(null);
  useEffect(() => { formVersions().then(setVersions).catch((e) => setError(e)); }, []);
  const diseases = [...new Map(versions.map((v) => [v.disease_code, v.disease_name])).entries()];
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });

  async function download(kind: 'xml' | 'csv') {
    setError(null); setSaved(null); setBusy(true);
    try {
      const blob = kind === 'xml'
        ? await rpcRaw('export_forms_xml', exportArgs(f), 'application/xml')
        : await rpcRaw('export_forms', exportArgs(f), 'text/csv');
      const name = `nanbyo-forms${f.disease ? '-' + f.disease : ''}${f.year ? '-' + f.year : ''}.${kind}`;
      saveBlob(blob, name); setSaved(name);
    } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  async function showDict(e: Event) {
    e.preventDefault(); setDictError(null); setDict(null);
    try { setDict((await rpc('data_dictionary', { form_version_id: Number(version) } as any)) as any); } catch (x) { setDictError(x as ApiError); }
  }
  async function dictCsv() {
    setDictError(null);
    try { saveBlob(await rpcRaw('data_dictionary', { form_version_id: Number(version) }, 'text/csv'), `data-dictionary-${version}.csv`); }
    catch (x) { setDictError(x as ApiError); }
  }
  const v = versions.find((x) => String(x.id) === version);
  return (
    <>
      <h1>票の出力</h1>
      <p>所属医療機関の票を、一括登録XML形式（そのまま一括登録に使えます）または項目ごとの行のCSVで出力します。</p>
      <form class="search-form" aria-label="出力する票の条件" onSubmit={(e) => { e.preventDefault(); download('xml'); }}>
        <Field id="ex-disease" label="疾病">
          {(a) => <select {...a} value={f.disease} onChange={set('disease')}>
            <option value="">すべて</option>
            {diseases.map(([code, name]) => <option value={code}>{name}（{code}）</option>)}
          </select>}
        </Field>
        <Field id="ex-year" label="年度（西暦）" hint="例: 2026">
          {(a) => <input {...a} type="text" inputMode="numeric" size={6} value={f.year} onInput={set('year')} />}
        </Field>
        <Field id="ex-status" label="状態">
          {(a) => <select {...a} value={f.status} onChange={set('status')}>
            <option value="">すべて</option>
            {options('FormStatus').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={busy}>XMLで出力する</button>
        <button class="btn" type="button" disabled={busy} onClick={() => download('csv')}>CSVで出力する</button>
      </form>
      <ErrorBox error={error} />
      {saved && <Notice kind="success"><p>「{saved}」をダウンロードしました。</p></Notice>}

      <h2>データ辞書</h2>
      <form class="search-form" aria-label="データ辞書の様式" onSubmit={showDict}>
        <Field id="dd-version" label="様式の版" required>
          {(a) => <select {...a} value={version} onChange={(e) => { setVersion((e.target as HTMLSelectElement).value); setDict(null); }}>
            <option value="">選択してください</option>
            {versions.map((x) => <option value={String(x.id)}>{x.disease_name}（{x.disease_code}）{x.version_label}</option>)}
          </select>}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!version}>表示する</button>
        <button class="btn" type="button" disabled={!version} onClick={dictCsv}>CSVでダウンロード</button>
      </form>
      <ErrorBox error={dictError} />
      {dict && (
        <div class="table-wrap"><table class="table dictionary">
          <caption>{v ? `${v.disease_name} ${v.version_label}: ` : ''}{dict.length}項目</caption>
          <thead><tr><th scope="col">項目ID</th><th scope="col">名称</th><th scope="col">区分</th><th scope="col">型</th><th scope="col">単位・範囲</th><th scope="col">必須</th><th scope="col">選択肢</th></tr></thead>
          <tbody>{dict.map((r) => (
            <tr>
              <td><code>{r.item_id}</code></td>
              <td>{r.label}</td>
              <td>{r.section ?? ''}</td>
              <td>{r.type_label ?? r.type}</td>
              <td>{[r.unit, r.min != null || r.max != null ? `${r.min ?? ''}〜${r.max ?? ''}` : ''].filter(Boolean).join(' ')}</td>
              <td>{r.required ? '必須' : ''}</td>
              <td>{(r.codes ?? []).slice(0, 6).map((c) => `${c.code}: ${c.label}`).join('、')}{(r.codes ?? []).length > 6 ? ` ほか${(r.codes ?? []).length - 6}件` : ''}</td>
            </tr>))}</tbody>
        </table></div>
      )}
    </>
  );
}
