import { signal } from '@preact/signals';
export const route = signal(typeof location !== 'undefined' ? location.hash.slice(1) || '/' : '/');
if (typeof window !== 'undefined') window.addEventListener('hashchange', () => { route.value = location.hash.slice(1) || '/'; });
export function go(path: string) { location.hash = '#' + path; }
