import { useEffect, useId, useRef, type ReactNode } from 'react';

interface ModalProps {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
  /** Role "alertdialog" for confirmations of destructive actions. */
  alert?: boolean;
}

/**
 * Native <dialog> opened modally: focus trap, Escape and inert background come from the browser.
 * Escape closes only the dialog it was pressed in (a nested dialog's cancel must not reach its parent
 * through React's tree), and focus goes back to the control that opened the dialog.
 */
export function Modal({ title, open, onClose, children, alert = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!open || !dialog) return;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (!dialog.open) dialog.showModal?.();
    return () => {
      if (dialog.open) dialog.close?.();
      // Removing an open dialog leaves focus on <body>; put it back where the user was.
      const focused = document.activeElement;
      if (opener?.isConnected && (!focused || focused === document.body || dialog.contains(focused))) opener.focus();
    };
  }, [open]);
  if (!open) return null;
  return (
    <dialog
      ref={ref}
      className="modal"
      role={alert ? 'alertdialog' : 'dialog'}
      aria-labelledby={titleId}
      aria-modal="true"
      onCancel={(event) => {
        if (event.target !== event.currentTarget) return;
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
