import { describe, it, expect, afterEach, vi } from 'vitest';
import { render, screen, cleanup, fireEvent } from '@testing-library/preact';
import { Pager } from './Pager';

afterEach(cleanup);

describe('Pager', () => {
  it('is absent when everything fits on a page', () => {
    const { container } = render(<Pager offset={0} limit={50} total={12} shown={12} onPage={() => {}} />);
    expect(container.textContent).toBe('');
  });
  it('says where we are and pages by the limit', () => {
    const onPage = vi.fn();
    render(<Pager offset={50} limit={50} total={120} shown={50} onPage={onPage} />);
    expect(screen.getByRole('navigation', { name: 'ページ送り' }).textContent).toContain('120件中 51–100件目');
    fireEvent.click(screen.getByRole('button', { name: '次へ' }));
    fireEvent.click(screen.getByRole('button', { name: '前へ' }));
    expect(onPage.mock.calls).toEqual([[100], [0]]);
  });
});
