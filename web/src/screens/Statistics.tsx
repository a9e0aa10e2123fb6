// 統計 (D1; operator, Ministry, municipalities): the published tables of the
// nightly statistics, a chart, CSV download; for the operator the refresh
// runs and, for its admin, 再集計. The database decides every figure: it
// sends the operator exact counts and everyone else null for a suppressed
// cell (api.statistics); this screen only shows what it gets, with the
// label 秘匿 from the vocabulary.
import { useEffect, useRef, useState } from 'preact/hooks';
import { rpc, type ApiError } from '../api/client';
import { label } from '../api/vocab';
import { me } from '../session';
import { rpcRaw, saveBlob } from '../ui/download';
import { ErrorBox, Notice } from '../ui/ErrorBox';
import { Field } from '../ui/Field';

export type Cell = { fiscal_year: number; program: string; table_code: string; row_key: string; row_label: string; row_position: number;
  column_key: string; column_label: string; column_position: number; value: number | null; suppressed: boolean };
type Catalog = { exact: boolean; tables: { code: string; label: string }[]; years: { fiscal_year: number; program: string }[]; refreshed_at: string | null };
type Run = { id: number; trigger: string; requested_by_login_id: string | null; started_at: string; finished_at: string | null; duration_ms: number | null;
  status: string; error_code: string | null; error_message: string | null; forms_counted: number | null; cells: number | null; suppressed_cells: number | null };

export type Pivot = { rows: { key: string; label: string }[]; columns: { key: string; label: string }[]; cell: (row: string, column: string) => Cell | undefined };

/** The cells of one table laid out as rows × columns, in the server's order. */
export function pivot(cells: Cell[]): Pivot {
  const order = <K extends 'row' | 'column'>(k: K) => [...new Map(
    [...cells].sort((a, b) => (a[`${k}_position`] - b[`${k}_position`]) || a[`${k}_key`].localeCompare(b[`${k}_key`]))
      .map((c) => [c[`${k}_key`], { key: c[`${k}_key`], label: c[`${k}_label`] }])).values()];
  const at = new Map(cells.map((c) => [`${c.row_key}\u0000${c.column_key}`, c]));
  return { rows: order('row'), columns: order('column'), cell: (r, c) => at.get(`${r}\u0000${c}`) };
}

const when = (iso: string | null) => iso ? new Date(iso).toLocaleString('ja-JP') : '—';

function CellText({ c, exact }: { c: Cell | undefined; exact: boolean }) {
  if (!c) return <>—</>;
  const hidden = label('StatisticsCellFlag', 'suppressed');
  if (c.value == null) return <span class="suppressed">{hidden}</span>;
  return exact && c.suppressed
    ? <>{c.value.toLocaleString('ja-JP')} <span class="badge" title="運営主体以外には秘匿">（{hidden}）</span></>
    : <>{c.value.toLocaleString('ja-JP')}</>;
}

/** A bar chart (Observable Plot, loaded when first needed) of one row: its published figures; suppressed ones are left out. */
function Chart({ cells, row, title }: { cells: Cell[]; row: string; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const data = cells.filter((c) => c.row_key === row && c.column_key !== '*' && c.value != null)
    .sort((a, b) => a.column_position - b.column_position);
  const left = cells.filter((c) => c.row_key === row && c.column_key !== '*' && c.value == null).length;
  // nothing to draw when every published figure is 0 (or hidden): a chart of zeros says nothing
  const drawable = data.some((c) => (c.value ?? 0) > 0);
  useEffect(() => {
    let gone = false;
    if (!drawable) {
      box.current?.replaceChildren();
      return;
    }
    import('@observablehq/plot').then((Plot) => {
      if (gone || !box.current) return;
      const chart = Plot.plot({
        className: 'stats-plot',
        marginLeft: 60, marginBottom: 60, height: 260, width: Math.max(320, Math.min(900, data.length * 40 + 80)),
        x: { label: null, tickRotate: -40, domain: data.map((d) => d.column_label) },
        y: { label: '件数', grid: true },
        marks: [Plot.barY(data, { x: 'column_label', y: 'value', fill: 'var(--color-primitive-blue-900, #0031d8)' }), Plot.ruleY([0])],
      });
      // Plot's own <style> element would break the Content-Security-Policy (style-src 'self'): styles.css has its rules
      chart.querySelectorAll('style').forEach((e) => e.remove());
      // the chart is one image with one label (the table beside it has the figures); Plot's
      // aria-label on its <g> groups is not allowed there (axe: aria-prohibited-attr)
      chart.querySelectorAll('[aria-label]').forEach((e) => e.removeAttribute('aria-label'));
      chart.setAttribute('role', 'img');
      chart.setAttribute('aria-label', `${title}のグラフ`);
      box.current.replaceChildren(chart);
    }).catch(() => { /* the table stays */ });
    return () => { gone = true; };
  }, [cells, row]);
  return (
    <figure class="chart">
      <div ref={box} />
      {!drawable && <p class="hint">グラフに表示できる数値がありません（すべて0件または{label('StatisticsCellFlag', 'suppressed')}）。</p>}
      <figcaption>{title}{left ? `（${label('StatisticsCellFlag', 'suppressed')}の${left}区分はグラフに含めていません）` : ''}</figcaption>
    </figure>
  );
}

export function StatisticsPage() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [pick, setPick] = useState({ table: 'age_band', year: '', program: '', disease: '' });
  const [cells, setCells] = useState<Cell[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [runNote, setRunNote] = useState<Run | null>(null);
  const [busy, setBusy] = useState(false);
  const admin = me.value?.role === 'operator_admin';

  const loadCatalog = () => rpc('statistics_catalog' as any).then((c: any) => {
    setCatalog(c);
    setPick((p) => p.year ? p : { ...p, year: String(c.years[0]?.fiscal_year ?? ''), program: c.years[0]?.program ?? '' });
    if (c.exact) rpc('statistics_runs' as any, { max_rows: 20 } as any).then((r: any) => setRuns(r), (e) => setError(e));
  }, (e) => setError(e));
  useEffect(() => { loadCatalog(); }, []);

  const args = () => ({ year: Number(pick.year), program_code: pick.program, statistics_table: pick.table,
    ...(pick.disease.trim() ? { disease: pick.disease.trim() } : {}) });
  async function show(e?: Event) {
    e?.preventDefault(); setError(null);
    try { setCells((await rpc('statistics' as any, args() as any)) as any); } catch (x) { setError(x as ApiError); }
  }
  async function csv() {
    setError(null);
    try { saveBlob(await rpcRaw('statistics', args(), 'text/csv'), `statistics-${pick.year}-${pick.program}-${pick.table}.csv`); }
    catch (x) { setError(x as ApiError); }
  }
  async function refresh() {
    setError(null); setRunNote(null); setBusy(true);
    try { setRunNote((await rpc('refresh_statistics' as any)) as any); await loadCatalog(); if (cells) await show(); }
    catch (x) { setError(x as ApiError); } finally { setBusy(false); }
  }

  const years = [...new Set((catalog?.years ?? []).map((y) => y.fiscal_year))];
  const programs = (catalog?.years ?? []).filter((y) => String(y.fiscal_year) === pick.year).map((y) => y.program);
  const table = catalog?.tables.find((t) => t.code === pick.table);
  const p = cells ? pivot(cells) : null;
  const exact = !!catalog?.exact;
  const chartRow = p?.rows.some((r) => r.key === pick.disease.trim()) ? pick.disease.trim() : '*';
  const set = (k: keyof typeof pick) => (e: Event) => setPick({ ...pick, [k]: (e.target as HTMLInputElement).value });

  return (
    <>
      <h1>統計</h1>
      <p>毎晩集計する登録票の統計です。{exact
        ? '運営主体には正確な件数を表示します。「秘匿」の印は、運営主体以外には値を出さないセル（1〜9件と、合計から逆算できるセル）です。'
        : `1〜9件のセルと、合計や他の表から逆算できるセルは「${label('StatisticsCellFlag', 'suppressed')}」と表示します。`}
        {catalog && ` 最終集計: ${when(catalog.refreshed_at)}`}</p>
      <form class="search-form" aria-label="表示する統計表" onSubmit={show}>
        <Field id="st-table" label="表">
          {(a) => <select {...a} value={pick.table} onChange={set('table')}>
            {(catalog?.tables ?? []).map((t) => <option value={t.code}>{t.label}</option>)}
          </select>}
        </Field>
        <Field id="st-year" label="年度">
          {(a) => <select {...a} value={pick.year} onChange={(e) => {
            const year = (e.target as HTMLSelectElement).value;
            const first = catalog?.years.find((y) => String(y.fiscal_year) === year)?.program ?? '';
            setPick({ ...pick, year, program: programs.includes(pick.program) ? pick.program : first });
          }}>
            {years.map((y) => <option value={String(y)}>{y}年度</option>)}
          </select>}
        </Field>
        <Field id="st-program" label="制度">
          {(a) => <select {...a} value={pick.program} onChange={set('program')}>
            {programs.map((code) => <option value={code}>{label('Program', code)}</option>)}
          </select>}
        </Field>
        <Field id="st-disease" label="疾病コード（任意）" hint="例: N006">
          {(a) => <input {...a} type="text" size={8} value={pick.disease} onInput={set('disease')} />}
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!pick.year || !pick.program}>表示する</button>
        <button class="btn" type="button" disabled={!pick.year || !pick.program} onClick={csv}>CSVでダウンロード</button>
      </form>
      <ErrorBox error={error} />
      {catalog && catalog.years.length === 0 && <Notice>まだ集計結果がありません。</Notice>}

      {p && (p.rows.length === 0 ? <Notice>該当するセルはありません。</Notice> : (
        <>
          <div class="table-wrap"><table class="table statistics">
            <caption>{pick.year}年度 {label('Program', pick.program)} {table?.label}</caption>
            <thead><tr><th scope="col">{table?.code === 'age_sex' ? '年齢階級' : '疾病'}</th>
              {p.columns.map((c) => <th scope="col">{c.label}</th>)}</tr></thead>
            <tbody>{p.rows.map((r) => (
              <tr><th scope="row">{r.label}{r.key !== '*' && table?.code !== 'age_sex' ? `（${r.key}）` : ''}</th>
                {p.columns.map((c) => <td class="num"><CellText c={p.cell(r.key, c.key)} exact={exact} /></td>)}</tr>))}
            </tbody>
          </table></div>
          <Chart cells={cells!} row={chartRow} title={`${p.rows.find((r) => r.key === chartRow)?.label ?? ''}の${table?.label ?? ''}`} />
        </>
      ))}

      {runs && (
        <>
          <h2>集計の実行記録</h2>
          {admin && <p><button class="btn btn-primary" type="button" disabled={busy} onClick={refresh}>{busy ? '再集計中…' : '再集計'}</button></p>}
          {runNote && <Notice kind={runNote.status === 'succeeded' ? 'success' : 'warning'}>
            <p>再集計: {label('StatisticsRunStatus', runNote.status)}{runNote.error_message ? ` — ${runNote.error_message}` : ''}</p></Notice>}
          <div class="table-wrap"><table class="table">
            <caption>新しい順（{runs.length}件）</caption>
            <thead><tr><th scope="col">開始</th><th scope="col">きっかけ</th><th scope="col">所要時間</th><th scope="col">結果</th><th scope="col">票</th><th scope="col">セル（秘匿）</th></tr></thead>
            <tbody>{runs.map((r) => (
              <tr><td>{when(r.started_at)}</td>
                <td>{r.trigger === 'schedule' ? '夜間の定期実行' : r.trigger === 'operator' ? `運営主体（${r.requested_by_login_id ?? ''}）` : 'SQL'}</td>
                <td>{r.duration_ms != null ? `${(r.duration_ms / 1000).toFixed(1)}秒` : '—'}</td>
                <td>{label('StatisticsRunStatus', r.status)}{r.error_message ? <><br />{r.error_message}（{r.error_code}）</> : null}</td>
                <td class="num">{r.forms_counted?.toLocaleString('ja-JP') ?? '—'}</td>
                <td class="num">{r.cells != null ? `${r.cells.toLocaleString('ja-JP')}（${r.suppressed_cells ?? 0}）` : '—'}</td></tr>))}
            </tbody>
          </table></div>
        </>
      )}
    </>
  );
}
