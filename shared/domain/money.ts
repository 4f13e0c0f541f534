/** Money is stored as integer minor units; these helpers convert at the edges only. */
export const CURRENCIES = [
  { code: 'USD', decimals: 2 },
  { code: 'EUR', decimals: 2 },
  { code: 'GBP', decimals: 2 },
  { code: 'CNY', decimals: 2 },
  { code: 'JPY', decimals: 0 },
  { code: 'RWF', decimals: 0 },
] as const;
export type CurrencyCode = (typeof CURRENCIES)[number]['code'];
export const DEFAULT_CURRENCY: CurrencyCode = 'USD';
/** Upper bound for a monthly budget in minor units: 10^12 (ten billion dollars). */
export const MAX_BUDGET_MINOR = 1_000_000_000_000;

export function currencyDecimals(code: string): number {
  return CURRENCIES.find((c) => c.code === code)?.decimals ?? 2;
}

/**
 * Parses a human amount in major units ("1500", "1,500.5", "12.34") into minor units.
 * Returns null when the text is not a non-negative amount with at most the currency's decimals.
 */
export function parseMoneyToMinor(text: string, currency: string): number | null {
  const decimals = currencyDecimals(currency);
  const cleaned = text.trim().replace(/[,_\s]/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) return null;
  const minorText = whole + fraction.padEnd(decimals, '0');
  const minor = Number(minorText);
  if (!Number.isSafeInteger(minor)) return null;
  return minor;
}

/** Formats minor units as a plain major-unit string with the currency's fixed decimals. */
export function formatMinorPlain(minor: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(Math.trunc(minor))).padStart(decimals + 1, '0');
  const whole = decimals === 0 ? digits : digits.slice(0, -decimals);
  const fraction = decimals === 0 ? '' : `.${digits.slice(-decimals)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Display format with grouping and the currency code, e.g. "USD 1,500.00". */
export function formatMoney(minor: number, currency: string): string {
  const plain = formatMinorPlain(minor, currency);
  const [whole = '0', fraction] = plain.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${fraction === undefined ? grouped : `${grouped}.${fraction}`}`;
}
