import { useNavigate } from '@tanstack/react-router';
import { useEffect, useId, useMemo, useState } from 'react';
import { Modal } from '../../components/Modal';
import { useAppStore } from '../../stores/app-store';
import { NAV } from './nav';

interface Command {
  id: string;
  label: string;
  group: 'Go to' | 'Create' | 'Open workspace' | 'Switch workspace';
  run(): void;
}

/** True when a key press is typing into a field (shortcuts must not fire there). */
const inField = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * Ctrl/Cmd+K: a filterable list of commands (every page, open or switch to any workspace); `?` the
 * shortcut sheet. Navigation goes through the router, so the unsaved-changes guard applies.
 */
export function CommandPalette() {
  const [open, setOpen] = useState<'palette' | 'shortcuts' | null>(null);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const navigate = useNavigate();
  const { allWorkspaces, setActiveWorkspace } = useAppStore();
  const listId = useId();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setQuery('');
        setCursor(0);
        setOpen('palette');
      } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !inField(event.target) && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        setOpen('shortcuts');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const commands = useMemo<Command[]>(
    () => [
      ...NAV.map((item) => ({ id: `go:${item.to}`, label: item.label, group: 'Go to' as const, run: () => void navigate({ to: item.to }) })),
      { id: 'create:workspace', label: 'Workspace', group: 'Create' as const, run: () => void navigate({ to: '/workspaces/new' }) },
      ...allWorkspaces.map((w) => ({
        id: `open:${w.id}`,
        label: w.name,
        group: 'Open workspace' as const,
        run: () => void navigate({ to: '/workspaces/$workspaceId', params: { workspaceId: w.id } }),
      })),
      ...allWorkspaces.map((w) => ({ id: `switch:${w.id}`, label: w.name, group: 'Switch workspace' as const, run: () => void setActiveWorkspace(w.id).catch(() => {}) })),
    ],
    [allWorkspaces, navigate, setActiveWorkspace],
  );
  const needle = query.trim().toLowerCase();
  const matches = needle ? commands.filter((c) => `${c.group} ${c.label}`.toLowerCase().includes(needle)) : commands;
  const current = Math.min(cursor, Math.max(0, matches.length - 1));

  const runCommand = (command: Command | undefined) => {
    if (!command) return;
    setOpen(null);
    command.run();
  };

  return (
    <>
      <Modal title="Command palette" open={open === 'palette'} onClose={() => setOpen(null)}>
        <input
          type="text"
          role="combobox"
          aria-label="Command"
          aria-expanded="true"
          aria-controls={listId}
          aria-activedescendant={matches[current] ? `${listId}-${current}` : undefined}
          aria-autocomplete="list"
          placeholder="Type a page, a workspace or “create”…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setCursor(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setCursor((c) => Math.min(c + 1, matches.length - 1));
            else if (e.key === 'ArrowUp') setCursor((c) => Math.max(c - 1, 0));
            else if (e.key === 'Enter') runCommand(matches[current]);
            else return;
            e.preventDefault();
          }}
        />
        <ul id={listId} role="listbox" aria-label="Commands" className="palette__list">
          {matches.slice(0, 50).map((c, i) => (
            <li
              key={c.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              className="palette__item"
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => runCommand(c)}
            >
              <span className="palette__group">{c.group}</span> {c.label}
            </li>
          ))}
        </ul>
        {matches.length === 0 ? <p className="muted">No command matches “{query}”.</p> : null}
      </Modal>
      <Modal title="Keyboard shortcuts" open={open === 'shortcuts'} onClose={() => setOpen(null)}>
        <dl className="shortcuts">
          <dt><kbd>Ctrl</kbd>/<kbd>⌘</kbd> + <kbd>K</kbd></dt>
          <dd>Command palette: go to a page, create a workspace, open or switch workspace</dd>
          <dt><kbd>?</kbd></dt>
          <dd>This list</dd>
          <dt><kbd>↑</kbd> <kbd>↓</kbd> <kbd>Home</kbd> <kbd>End</kbd></dt>
          <dd>Move between table rows</dd>
          <dt><kbd>Enter</kbd></dt>
          <dd>Open the focused row</dd>
          <dt><kbd>Esc</kbd></dt>
          <dd>Close the top dialog only</dd>
        </dl>
        <div className="modal__actions">
          <button type="button" className="primary" onClick={() => setOpen(null)}>
            Close
          </button>
        </div>
      </Modal>
    </>
  );
}
