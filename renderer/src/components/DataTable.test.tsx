import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { columnHelperFor, DataTable } from './DataTable';

interface Fruit {
  id: string;
  name: string;
}
const col = columnHelperFor<Fruit>();
const columns = [col.accessor('name', { header: 'Name' })];
const rows: Fruit[] = [
  { id: 'a', name: 'Apple' },
  { id: 'b', name: 'Banana' },
  { id: 'c', name: 'Cherry' },
];

afterEach(cleanup);

const rowOf = (name: string) => screen.getByRole('row', { name });

describe('DataTable rows with onRowActivate', () => {
  it('are one tab stop (the selected row, else the first); arrows, Home and End move focus; Enter and Space activate', () => {
    const activate = vi.fn();
    const { rerender } = render(<DataTable label="Fruit" columns={columns} rows={rows} getRowId={(r) => r.id} onRowActivate={activate} empty="none" />);
    expect(rows.map((r) => rowOf(r.name).tabIndex)).toEqual([0, -1, -1]);

    rowOf('Apple').focus();
    fireEvent.keyDown(rowOf('Apple'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rowOf('Banana'));
    fireEvent.keyDown(rowOf('Banana'), { key: 'End' });
    expect(document.activeElement).toBe(rowOf('Cherry'));
    fireEvent.keyDown(rowOf('Cherry'), { key: 'ArrowDown' }); // stays on the last row
    expect(document.activeElement).toBe(rowOf('Cherry'));
    fireEvent.keyDown(rowOf('Cherry'), { key: 'Home' });
    expect(document.activeElement).toBe(rowOf('Apple'));
    fireEvent.keyDown(rowOf('Apple'), { key: 'ArrowDown' });
    fireEvent.keyDown(rowOf('Banana'), { key: 'Enter' });
    expect(activate).toHaveBeenLastCalledWith(rows[1]);
    fireEvent.keyDown(rowOf('Banana'), { key: ' ' });
    expect(activate).toHaveBeenCalledTimes(2);

    rerender(<DataTable label="Fruit" columns={columns} rows={rows} getRowId={(r) => r.id} onRowActivate={activate} selectedRowId="c" empty="none" />);
    expect(rows.map((r) => rowOf(r.name).tabIndex)).toEqual([-1, -1, 0]);
  });

  it('leaves keys pressed inside a cell control to that control', () => {
    const activate = vi.fn();
    const withButton = [col.display({ id: 'act', header: 'Act', cell: (c) => <button type="button">Edit {c.row.original.name}</button> })];
    render(<DataTable label="Fruit" columns={withButton} rows={rows} getRowId={(r) => r.id} onRowActivate={activate} empty="none" />);
    fireEvent.keyDown(screen.getByRole('button', { name: 'Edit Apple' }), { key: 'Enter' });
    expect(activate).not.toHaveBeenCalled();
  });

  it('without onRowActivate rows are not focusable', () => {
    render(<DataTable label="Fruit" columns={columns} rows={rows} getRowId={(r) => r.id} empty="none" />);
    expect(rowOf('Apple').hasAttribute('tabindex')).toBe(false);
  });
});
