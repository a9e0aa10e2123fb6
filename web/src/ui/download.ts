import { API_BASE, toApiError } from '../api/client';

/** POST /rpc/NAME asking for `accept` (application/xml, text/csv …): the raw answer as a Blob, or an ApiError. */
export async function rpcRaw(name: string, args: Record<string, unknown>, accept: string): Promise<Blob> {
  const r = await fetch(`${API_BASE}/rpc/${name}`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: accept, 'X-Requested-With': 'nanbyo-web' },
    body: JSON.stringify(args),
  });
  if (!r.ok) {
    const text = await r.text();
    let body: any = null;
    try { body = JSON.parse(text); } catch { /* not JSON */ }
    throw toApiError(body, r.status);
  }
  return r.blob();
}

/** Saves a Blob as a file (a temporary link with the download attribute). */
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url; a.download = filename; a.style.display = 'none';
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
