import { create } from 'zustand';

/** "system" follows the OS (prefers-color-scheme); light and dark override it. Kept per browser profile. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'gatehouse.theme';

function readStoredTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

const darkQuery = (): MediaQueryList | null => (typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null);

/** The CSS picks its tokens from `data-theme` on <html> (one block per theme); "system" resolves it from the OS. */
export function applyTheme(choice: ThemeChoice): void {
  const resolved = choice === 'system' ? (darkQuery()?.matches ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
  document.documentElement.dataset.themeChoice = choice;
}

interface ThemeState {
  choice: ThemeChoice;
  setChoice(choice: ThemeChoice): void;
}

export const useTheme = create<ThemeState>()((set) => ({
  choice: readStoredTheme(),
  setChoice(choice) {
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Storage refused (private mode): the choice still holds for this page.
    }
    applyTheme(choice);
    set({ choice });
  },
}));

/** Before the first render, so a dark profile never flashes light; then follows the OS while the choice is "system". */
export function applyStoredTheme(): void {
  applyTheme(useTheme.getState().choice);
  darkQuery()?.addEventListener('change', () => {
    if (useTheme.getState().choice === 'system') applyTheme('system');
  });
}
