/** 前へ／次へ over a paged list, with where we are. */
export function Pager({ offset, limit, total, shown, onPage }: { offset: number; limit: number; total: number | null; shown: number; onPage: (offset: number) => void }) {
  if (total == null || total <= limit) return null;
  return (
    <nav class="pager" aria-label="ページ送り">
      <button class="btn btn-small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>前へ</button>
      <span aria-live="polite">{total}件中 {offset + 1}–{offset + shown}件目</span>
      <button class="btn btn-small" disabled={offset + shown >= total} onClick={() => onPage(offset + limit)}>次へ</button>
    </nav>
  );
}
