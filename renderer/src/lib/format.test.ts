import { describe, expect, it } from 'vitest';
import { displayLocale, formatCount, formatDateTime, formatUtcMonth } from './format';

describe('display format', () => {
  it('takes the first preferred language the runtime supports, skipping malformed tags, en-US as the last resort', () => {
    expect(displayLocale(['de-DE', 'en-US'])).toBe('de-DE');
    expect(displayLocale(['not a tag!', 'fr-FR'])).toBe('fr-FR');
    expect(displayLocale([])).toBe('en-US');
  });

  it('numbers and times follow one locale, and a time names its zone', () => {
    // The test runtime's locale decides grouping; whatever it is, both use it.
    const locale = displayLocale();
    expect(formatCount(1234567)).toBe(new Intl.NumberFormat(locale).format(1234567));
    const shown = formatDateTime('2026-12-02T20:42:00Z');
    const zone = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' }).formatToParts(new Date('2026-12-02T20:42:00Z')).find((p) => p.type === 'timeZoneName')?.value;
    expect(zone).toBeTruthy();
    expect(shown).toContain(zone!);
    expect(shown).toContain('2026');
  });

  it('no time is a dash and an unparsable one is shown as it came; months are UTC months', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('someday')).toBe('someday');
    expect(formatUtcMonth('2026-01')).toContain('2026');
    expect(formatUtcMonth('2026-13')).toBe('2026-13');
  });
});
