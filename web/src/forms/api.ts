// Form calls (sql/forms/*.sql, sql/municipality/*.sql). The generated types
// predate some of them, so their answers are typed here loosely.
import { rpc as typedRpc, view, API_BASE, ApiError, toApiError } from '../api/client';
import type { Layout } from './FormEditor';

export const call = <T = any>(name: string, args: Record<string, unknown> = {}) => (typedRpc as any)(name, args) as Promise<T>;

export type FormVersion = { id: number; disease_code: string; disease_name: string; program: string; version_label: string; online_until: string | null };
export const formVersions = () => view<FormVersion>('form_versions', (q) => q.select('id,disease_code,disease_name,program,version_label,online_until').order('disease_code'));

const layouts = new Map<number, Promise<Layout>>();
/** api.form_layout, once per form version per page load (master data). */
export function formLayout(id: number): Promise<Layout> {
  if (!layouts.has(id)) layouts.set(id, call<Layout>('form_layout', { form_version_id: id }).catch((e) => { layouts.delete(id); throw e; }));
  return layouts.get(id)!;
}

/** A print (HTML answer, POST because each print is logged): opened in a new window from a blob. */
export async function printHtml(name: 'print_form' | 'print_access_key_slip' | 'print_form_masked', args: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${API_BASE}/rpc/${name}`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'text/html', 'X-Requested-With': 'nanbyo-web' },
    body: JSON.stringify(args),
  });
  const text = await r.text();
  if (!r.ok) {
    let body: any = null;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    throw toApiError(body, r.status);
  }
  return text;
}

/** Opens a print in a new window. A blob document keeps this page's CSP
 *  (style-src 'self'), which refuses the print's own <style>: its rules are
 *  taken out and given to the window as a constructed stylesheet (CSSOM, not
 *  governed by style-src), so the print looks as the server made it and the
 *  client's CSP stays strict. */
export function openHtml(html: string): Window | null {
  // (as text: a DOMParser document would be checked against this page's CSP too)
  const rules: string[] = [];
  const out = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style>/gi, (_m, css: string) => { rules.push(css); return ''; });
  const css = rules.join('\n');
  const url = URL.createObjectURL(new Blob([out], { type: 'text/html;charset=utf-8' }));
  const w = window.open(url, '_blank');
  if (!w) return null;
  const style = () => {
    try {
      const sheet = new (w as any).CSSStyleSheet();
      sheet.replaceSync(css);
      w.document.adoptedStyleSheets = [sheet];
    } catch { /* an old browser: the print unstyled */ }
    URL.revokeObjectURL(url);
  };
  w.addEventListener('load', style);
  return w;
}

export { ApiError };

/** A disease of the master (api.diseases, D4): a form can be written for
 *  every one in force; `machine_judged` false means its program's general
 *  form (一般様式, no machine judgment). */
export type Disease = { program: string; disease_code: string; name: string; machine_judged: boolean; in_force: boolean };
let diseaseList: Promise<Disease[]> | null = null;
/** api.diseases, once per page load (master data, ~1,100 rows). */
export function diseases(): Promise<Disease[]> {
  diseaseList ??= view<Disease>('diseases', (q) => q.select('program,disease_code,name,machine_judged,in_force').order('disease_code'))
    .catch((e) => { diseaseList = null; throw e; });
  return diseaseList;
}
