/**
 * One place for how the renderer writes numbers and times (issue #11): both follow the same locale
 * (the OS/browser's first language), and every time says which zone it is in. Stored times are UTC
 * instants; usage days, budget months and rollups are UTC days, labelled as such.
 */

/** The locale numbers and dates are written in: the first preferred language the runtime accepts. */
export function displayLocale(preferred: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]): string {
  for (const tag of preferred) {
    try {
      const [supported] = Intl.NumberFormat.supportedLocalesOf(tag);
      if (supported) return supported;
    } catch {
      // Not a well-formed language tag: try the next one.
    }
  }
  return 'en-US';
}

const locale = displayLocale();
const integerFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 4 });
const compactFormat = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
// Local time with its zone ("2 Dec 2026, 20:42 UTC", "Dec 2, 2026, 3:42 PM EST").
const dateTimeFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
const monthFormat = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** 12,500 (or 12 500, 12.500: the display locale's grouping). Whole numbers only; see formatDecimal. */
export const formatCount = (n: number): string => integerFormat.format(n);
/** Up to four decimals, in the display locale. */
export const formatDecimal = (n: number): string => decimalFormat.format(n);
/** 1.2M, 12K… */
export const formatCompact = (n: number): string => compactFormat.format(n);

/** An instant in local time with its zone label; "—" for none; an unparsable value is shown as is. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

/** "December 2026" for a UTC budget month `YYYY-MM`. */
export function formatUtcMonth(month: string): string {
  const date = new Date(`${month}-01T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? month : monthFormat.format(date);
}
