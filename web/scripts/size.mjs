// The login page's first load: every JS and CSS file index.html pulls in
// (with their static imports), gzipped. Run after `vite build`.
//   npm run build && npm run size      (limit: 150 kB, issue #18)
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const seen = new Set();
const queue = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let raw = 0, gz = 0;
while (queue.length) {
  const f = queue.shift();
  if (seen.has(f)) continue;
  seen.add(f);
  const buf = readFileSync(join(dist, f));
  raw += buf.length; gz += gzipSync(buf, { level: 9 }).length;
  if (f.endsWith('.js')) for (const m of buf.toString().matchAll(/import\s*(?:[^'"]*from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push('assets/' + m[1]);
}
const kb = (n) => (n / 1000).toFixed(1);
console.log(`login page first load: ${seen.size} files, ${kb(raw)} kB raw, ${kb(gz)} kB gzipped (limit 150 kB)`);
console.log(`all assets: ${readdirSync(join(dist, 'assets')).join(', ')}`);
if (gz > 150_000) process.exit(1);
