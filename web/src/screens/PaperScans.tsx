import { useEffect, useState } from 'preact/hooks';
import { rpc, view, ApiError } from '../api/client';
import { label, mayCall, options } from '../api/vocab';
import { me } from '../session';
import { formVersions, type FormVersion } from '../forms/api';
import { saveBlob } from '../ui/download';
import { readBase64, base64Blob } from '../ui/readFile';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

/** One scan as api.list_paper_scans answers it (the PaperScan schema). */
export type PaperScan = {
  id: number; reference: string; municipality: { id: number; code: string; name: string }; program: string;
  disease_code: string | null; disease_name: string | null; fiscal_year: number; form_version_id: number | null;
  version_label: string | null; file_name: string; byte_size: number; status: string; uploaded_at: string;
  downloaded_at: string | null; keyed_at: string | null; form_id: number | null; done_at: string | null;
  assignment: { contractor_name: string; hospital_name: string } | null;
};

const when = (s: string | null | undefined) => (s ? String(s).slice(0, 16).replace('T', ' ') : '—');
const size = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
/** This fiscal year (April–March) as the default of the upload form. */
export const thisFiscalYear = (d = new Date()) => d.getFullYear() - (d.getMonth() < 3 ? 1 : 0);

/** The filters as list_paper_scans takes them (empty ones left out). */
export function listArgs(f: { status: string; year: string; program: string }): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  if (f.status) a.status = f.status;
  if (f.year.trim()) a.fiscal_year = Number(f.year.trim());
  if (f.program) a.program = f.program;
  return a;
}

/** The upload of a scan with its metadata (municipality). */
function UploadForm({ versions, onUploaded }: { versions: FormVersion[]; onUploaded: (s: PaperScan) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [program, setProgram] = useState('nanbyo');
  const [year, setYear] = useState(String(thisFiscalYear()));
  const [disease, setDisease] = useState('');
  const [version, setVersion] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  const diseases = [...new Map(versions.filter((v) => v.program === program).map((v) => [v.disease_code, v.disease_name])).entries()];
  const ofDisease = versions.filter((v) => v.disease_code === disease);

  async function upload(e: Event) {
    e.preventDefault();
    if (!file) return;
    setError(null); setBusy(true);
    try {
      const scan = (await rpc('upload_paper_scan', {
        file: { name: file.name, content_base64: await readBase64(file) }, program, fiscal_year: Number(year.trim()),
        disease_code: disease || null, form_version_id: version ? Number(version) : null,
      } as any)) as any as PaperScan;
      setFile(null); setInputKey((k) => k + 1); setDisease(''); setVersion('');
      onUploaded(scan);
    } catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }
  return (
    <>
    <h2 id="paper-upload-title">スキャンの登録</h2>
    <form class="search-form" aria-labelledby="paper-upload-title" onSubmit={upload}>
      <Field id="ps-file" label="スキャンしたPDFファイル" required hint="1ファイル20MBまで。紙の票1枚（1人分）を1ファイルにしてください。">
        {(a) => <input key={inputKey} {...a} required={false} type="file" accept="application/pdf,.pdf"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />}
      </Field>
      <Field id="ps-program" label="制度" required>
        {(a) => <select {...a} value={program} onChange={(e) => { setProgram((e.target as HTMLSelectElement).value); setDisease(''); setVersion(''); }}>
          {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
        </select>}
      </Field>
      <Field id="ps-year" label="年度（西暦）" required hint="例: 2026">
        {(a) => <input {...a} type="text" inputMode="numeric" size={6} value={year} onInput={(e) => setYear((e.target as HTMLInputElement).value)} />}
      </Field>
      <Field id="ps-disease" label="疾病（分かれば）">
        {(a) => <select {...a} value={disease} onChange={(e) => { setDisease((e.target as HTMLSelectElement).value); setVersion(''); }}>
          <option value="">不明・未選択</option>
          {diseases.map(([code, name]) => <option value={code}>{name}（{code}）</option>)}
        </select>}
      </Field>
      <Field id="ps-version" label="紙の票の様式（分かれば）">
        {(a) => <select {...a} value={version} disabled={!disease} onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
          <option value="">不明・未選択</option>
          {ofDisease.map((v) => <option value={String(v.id)}>{v.version_label}</option>)}
        </select>}
      </Field>
      <button class="btn btn-primary" type="submit" disabled={!file || busy}>{busy ? '登録中…' : '登録する'}</button>
    </form>
    <ErrorBox error={error} id="paper-upload-error" />
    </>
  );
}

type Org = { id: number; kind: string; code: string; name: string };

/** The operator gives downloaded scans to a contractor (api.assign_scans, paper_scan_ids). */
function AssignForm({ scans, onAssigned }: { scans: PaperScan[]; onAssigned: (text: string) => void }) {
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [scanId, setScanId] = useState('');
  const [contractor, setContractor] = useState('');
  const [hospital, setHospital] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    view<Org>('organisations', (q) => q.select('id,kind,code,name').in('kind', ['contractor', 'hospital']).order('code'))
      .then(setOrgs).catch((e) => setError(e));
  }, []);
  const open = scans.filter((s) => s.status === 'downloaded' && !s.assignment);
  async function assign(e: Event) {
    e.preventDefault(); setError(null);
    try {
      const r = (await rpc('assign_scans', { contractor_organisation_id: Number(contractor), hospital_id: Number(hospital),
        paper_scan_ids: [Number(scanId)] } as any)) as any;
      setScanId('');
      onAssigned(`${(r.references ?? []).join('、')} の入力を依頼しました（XMLの scan 属性にこの番号を書きます）。`);
    } catch (x) { setError(x as ApiError); }
  }
  return (
    <>
      <h2 id="paper-assign-title">入力の依頼</h2>
      <form class="search-form" aria-labelledby="paper-assign-title" onSubmit={assign}>
        <Field id="pa-scan" label="スキャン" required hint="運営主体が取得済みで、まだ依頼していないもの">
          {(a) => <select {...a} value={scanId} onChange={(e) => setScanId((e.target as HTMLSelectElement).value)}>
            <option value="">選択してください</option>
            {open.map((s) => <option value={String(s.id)}>{s.reference} {s.file_name}</option>)}
          </select>}
        </Field>
        <Field id="pa-contractor" label="外部委託事業者" required>
          {(a) => <select {...a} value={contractor} onChange={(e) => setContractor((e.target as HTMLSelectElement).value)}>
            <option value="">選択してください</option>
            {orgs.filter((o) => o.kind === 'contractor').map((o) => <option value={String(o.id)}>{o.name}</option>)}
          </select>}
        </Field>
        <Field id="pa-hospital" label="票の医療機関" required>
          {(a) => <select {...a} value={hospital} onChange={(e) => setHospital((e.target as HTMLSelectElement).value)}>
            <option value="">選択してください</option>
            {orgs.filter((o) => o.kind === 'hospital').map((o) => <option value={String(o.id)}>{o.name}（{o.code}）</option>)}
          </select>}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!scanId || !contractor || !hospital}>依頼する</button>
      </form>
      <ErrorBox error={error} id="paper-assign-error" />
    </>
  );
}

/** 紙の票のスキャン (C4): a municipality uploads and follows its scans; the
 *  operator downloads them and marks keyed ones done; a contractor downloads
 *  the scans given to it. What each may do comes from the grants (x-roles). */
export function PaperScansPage() {
  const role = me.value?.role;
  const mayUpload = mayCall(role, '/rpc/upload_paper_scan');
  const mayDownload = mayCall(role, '/rpc/download_paper_scan');
  const mayComplete = mayCall(role, '/rpc/complete_paper_scan');
  const mayAssign = mayCall(role, '/rpc/assign_scans');
  const [versions, setVersions] = useState<FormVersion[]>([]);
  const [rows, setRows] = useState<PaperScan[] | null>(null);
  const [f, setF] = useState({ status: '', year: '', program: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });

  async function load(filters = f) {
    setError(null);
    try { setRows((await rpc('list_paper_scans', listArgs(filters) as any)) as any); } catch (x) { setError(x as ApiError); }
  }
  useEffect(() => {
    load();
    if (mayUpload) formVersions().then(setVersions).catch((e) => setError(e));
  }, []);

  async function download(s: PaperScan) {
    setActionError(null); setNotice(null);
    try {
      const d = (await rpc('download_paper_scan', { paper_scan_id: s.id } as any)) as any;
      saveBlob(base64Blob(d.content_base64, d.media_type), d.file_name);
      setNotice(`${s.reference}「${d.file_name}」をダウンロードしました。`);
      await load();
    } catch (x) { setActionError(x as ApiError); }
  }
  async function complete(s: PaperScan) {
    setActionError(null); setNotice(null);
    try {
      await rpc('complete_paper_scan', { paper_scan_id: s.id } as any);
      setNotice(`${s.reference} を「${label('PaperScanStatus', 'done')}」にしました。`);
      await load();
    } catch (x) { setActionError(x as ApiError); }
  }

  return (
    <>
      <h1>紙の票のスキャン</h1>
      {mayUpload
        ? <p>紙で提出された臨床調査個人票・医療意見書をスキャンしたPDFを、制度・年度などを添えて登録します。運営主体が取得し、外部委託事業者が入力します。</p>
        : <p>自治体が登録した紙の票のスキャンです。{mayComplete ? '取得して入力を依頼し、入力済みになったものを確認して完了にします。' : '入力を依頼されたスキャンを取得して入力します。'}</p>}
      {mayUpload && <UploadForm versions={versions} onUploaded={(s) => {
        setNotice(`${s.reference}「${s.file_name}」を登録しました（${label('PaperScanStatus', s.status)}）。`); setActionError(null); load();
      }} />}

      {mayAssign && rows && <AssignForm scans={rows} onAssigned={(text) => { setNotice(text); setActionError(null); load(); }} />}

      <h2>スキャンの一覧</h2>
      <form class="search-form" aria-label="スキャンの絞り込み" onSubmit={(e) => { e.preventDefault(); load(); }}>
        <Field id="psl-status" label="状態">
          {(a) => <select {...a} value={f.status} onChange={set('status')}>
            <option value="">すべて</option>
            {options('PaperScanStatus').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <Field id="psl-year" label="年度（西暦）">
          {(a) => <input {...a} type="text" inputMode="numeric" size={6} value={f.year} onInput={set('year')} />}
        </Field>
        <Field id="psl-program" label="制度">
          {(a) => <select {...a} value={f.program} onChange={set('program')}>
            <option value="">すべて</option>
            {options('Program').map((o) => <option value={o.code}>{o.label}</option>)}
          </select>}
        </Field>
        <button class="btn btn-primary" type="submit">絞り込む</button>
      </form>
      <ErrorBox error={error} />
      <ErrorBox error={actionError} id="paper-action-error" />
      {notice && <Notice kind="success"><p>{notice}</p></Notice>}
      {rows && rows.length === 0 && <p>スキャンはありません。</p>}
      {rows && rows.length > 0 && (
        <div class="table-wrap"><table class="table paper-scans">
          <caption>{rows.length}件</caption>
          <thead><tr>
            <th scope="col">番号</th><th scope="col">ファイル</th>{!mayUpload && <th scope="col">自治体</th>}
            <th scope="col">制度・疾病・様式</th><th scope="col">年度</th><th scope="col">状態</th><th scope="col">登録日時</th>
            <th scope="col">入力依頼</th>{(mayDownload || mayComplete) && <th scope="col">操作</th>}
          </tr></thead>
          <tbody>{rows.map((s) => (
            <tr>
              <td>{s.reference}</td>
              <td>{s.file_name}<br /><span class="hint">{size(s.byte_size)}</span></td>
              {!mayUpload && <td>{s.municipality.name}</td>}
              <td>{label('Program', s.program)}{s.disease_name ? ` ${s.disease_name}（${s.disease_code}）` : ''}{s.version_label ? ` ${s.version_label}` : ''}</td>
              <td>{s.fiscal_year}</td>
              <td>{label('PaperScanStatus', s.status)}</td>
              <td>{when(s.uploaded_at)}</td>
              <td>{s.assignment ? `${s.assignment.contractor_name}（${s.assignment.hospital_name}）` : '—'}{s.form_id ? ` 票ID ${s.form_id}` : ''}</td>
              {(mayDownload || mayComplete) && <td>
                {mayDownload && <button class="btn btn-small" type="button" aria-label={`${s.reference} をダウンロード`} onClick={() => download(s)}>ダウンロード</button>}
                {mayComplete && s.status === 'keyed' && <button class="btn btn-small" type="button" aria-label={`${s.reference} を完了にする`} onClick={() => complete(s)}>完了にする</button>}
              </td>}
            </tr>))}</tbody>
        </table></div>
      )}
    </>
  );
}
