import { useCallback, useEffect, useRef, type RefObject } from 'react';

/**
 * Focus goes back to whatever opened a dialog once it has closed. The Modal unmounts its native
 * <dialog> instead of closing it, so the browser's own focus restore does not run, and while the
 * modal dialog is still in the top layer the rest of the page is inert: focus after the commit.
 * When the opener is gone (the row of a removed remote), `fallback` takes focus.
 */
export function useReturnFocus(open: boolean, fallback: RefObject<HTMLElement | null>): () => void {
  const opener = useRef<HTMLElement | null>(null);
  const remember = useCallback(() => {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
  useEffect(() => {
    if (open || !opener.current) return;
    const target = opener.current.isConnected ? opener.current : fallback.current;
    opener.current = null;
    target?.focus();
  }, [open, fallback]);
  return remember;
}
