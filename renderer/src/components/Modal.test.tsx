import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Modal } from './Modal';

afterEach(cleanup);

function Nested({ onOuterClose, onInnerClose }: { onOuterClose: () => void; onInnerClose: () => void }) {
  return (
    <Modal title="Outer" open onClose={onOuterClose}>
      <Modal title="Inner" open onClose={onInnerClose}>
        <p>inner</p>
      </Modal>
    </Modal>
  );
}

function Opener() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open it
      </button>
      <Modal title="Thing" open={open} onClose={() => setOpen(false)}>
        <button type="button" onClick={() => setOpen(false)}>
          Done
        </button>
      </Modal>
    </>
  );
}

describe('Modal', () => {
  it('Escape (cancel) in a nested dialog closes only that dialog', () => {
    const outer = vi.fn();
    const inner = vi.fn();
    render(<Nested onOuterClose={outer} onInnerClose={inner} />);
    const innerDialog = screen.getByText('inner').closest('dialog')!;
    fireEvent(innerDialog, new Event('cancel', { cancelable: true }));
    expect(inner).toHaveBeenCalledTimes(1);
    expect(outer).not.toHaveBeenCalled();
    const outerDialog = innerDialog.parentElement!.closest('dialog')!;
    fireEvent(outerDialog, new Event('cancel', { cancelable: true }));
    expect(outer).toHaveBeenCalledTimes(1);
    expect(inner).toHaveBeenCalledTimes(1);
  });

  it('gives focus back to the control that opened it', () => {
    render(<Opener />);
    const opener = screen.getByRole('button', { name: 'Open it' });
    opener.focus();
    fireEvent.click(opener);
    const done = screen.getByRole('button', { name: 'Done' });
    done.focus();
    fireEvent.click(done);
    expect(screen.queryByRole('button', { name: 'Done' })).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
