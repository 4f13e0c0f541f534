import { useTheme, type ThemeChoice } from './theme';

const CHOICES: Array<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'Same as system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function ThemeToggle() {
  const { choice, setChoice } = useTheme();
  return (
    <div className="sidebar__theme">
      <label htmlFor="theme-choice">Theme</label>
      <select id="theme-choice" value={choice} onChange={(e) => setChoice(e.target.value as ThemeChoice)}>
        {CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}
