/**
 * Cell-level formatting for CSV exports (audit log, usage).
 *
 * Core layer: pure functions, no Node or Electron imports, so this module is
 * also usable from the renderer (browser download path).
 */

/**
 * A fixed-decimal amount stored as integer minor units (cents, micro-dollars…).
 *
 * Use it (via {@link minorUnits}) as a column value for money. It is rendered
 * with {@link formatMinorUnits} and, like numbers, is not neutralised, so a
 * credit of -5 cents exports as `-0.05` and not as the text `'-0.05`. Returning
 * the plain string from `formatMinorUnits` would instead be treated as
 * untrusted text and get the leading quote.
 */
export class MinorUnits {
  readonly amount: bigint;
  readonly decimals: number;

  constructor(amount: number | bigint, decimals: number) {
    this.amount = toBigIntAmount(amount);
    this.decimals = checkDecimals(decimals);
    Object.freeze(this);
  }

  toString(): string {
    return formatMinorUnits(this.amount, this.decimals);
  }
}

/** `minorUnits(12345, 2)` renders as `123.45` in a CSV cell. */
export function minorUnits(amount: number | bigint, decimals: number): MinorUnits {
  return new MinorUnits(amount, decimals);
}

/** Everything a column may produce for one cell. */
export type CsvValue = string | number | bigint | boolean | null | undefined | Date | MinorUnits;

/**
 * First characters that make spreadsheet applications (Excel, LibreOffice,
 * Google Sheets, Numbers) interpret a cell as a formula or strip/split it.
 * OWASP CSV-injection guidance lists `= + - @ TAB CR`; we add LF and NUL
 * (which csv-stringify's `escape_formulas` misses) and the full-width
 * variants of `= + - @` that Apple Numbers normalises to ASCII.
 */
export const FORMULA_TRIGGERS: ReadonlySet<string> = new Set([
  '=',
  '+',
  '-',
  '@',
  '\t',
  '\r',
  '\n',
  '\0',
  '\uFF1D', // FULLWIDTH EQUALS SIGN
  '\uFF0B', // FULLWIDTH PLUS SIGN
  '\uFF0D', // FULLWIDTH HYPHEN-MINUS
  '\uFF20', // FULLWIDTH COMMERCIAL AT
]);

/**
 * Same set as FORMULA_TRIGGERS, on a UTF-16 code unit. A charCode switch is
 * about 2x faster than an anchored regexp test on the export hot path.
 */
function isTrigger(c: number): boolean {
  switch (c) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // TAB
    case 0x0d: // CR
    case 0x0a: // LF
    case 0x00: // NUL
    case 0xff1d:
    case 0xff0b:
    case 0xff0d:
    case 0xff20:
      return true;
    default:
      return false;
  }
}

/**
 * Prefix a cell that starts with a formula trigger with a single quote `'`,
 * so spreadsheets show it as text. Other strings are returned unchanged.
 */
export function neutralizeCell(value: string): string {
  // charCodeAt(0) of '' is NaN, which matches no case.
  return isTrigger(value.charCodeAt(0)) ? "'" + value : value;
}

/**
 * Render one value as the (unquoted) text of a CSV cell.
 *
 * - `null` / `undefined` → empty cell
 * - strings → {@link neutralizeCell}
 * - numbers → plain decimal, never exponent notation and never thousands
 *   separators (`1e21` → `1000000000000000000000`, `1e-7` → `0.0000001`),
 *   round-trips exactly through `Number()`; negatives stay `-5`. `NaN` and
 *   `±Infinity` are emitted as text (`-Infinity` is therefore neutralised).
 * - bigint → decimal digits
 * - boolean → `true` / `false`
 * - Date → ISO-8601 UTC (`2024-01-02T03:04:05.678Z`); an invalid Date throws
 *   a RangeError rather than silently exporting a blank timestamp.
 * - {@link MinorUnits} → fixed decimals via {@link formatMinorUnits}
 *
 * Quoting/escaping for the CSV syntax is not done here (see csv-writer).
 */
export function formatCell(v: CsvValue): string {
  switch (typeof v) {
    case 'string':
      return neutralizeCell(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return '';
    case 'object':
      if (v === null) return '';
      if (v instanceof Date) return formatDate(v);
      if (v instanceof MinorUnits) return formatMinorUnits(v.amount, v.decimals);
      break;
  }
  throw new TypeError(`Unsupported CSV cell value of type ${describe(v)}`);
}

function describe(v: unknown): string {
  if (typeof v !== 'object' || v === null) return typeof v;
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? name : 'object';
}

function formatDate(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError('Cannot export an invalid Date to CSV');
  // Years outside 0000–9999 are rendered as `+275760-…` / `-000001-…`.
  return neutralizeCell(d.toISOString());
}

/** Plain decimal notation for a double, exact round-trip, no exponent. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return neutralizeCell(String(n));
  const s = String(n); // shortest round-trip representation; "-0" prints as "0"
  const e = s.indexOf('e');
  if (e === -1) return s;
  // Expand "d[.ddd]e±x" into plain digits.
  const negative = s.charCodeAt(0) === 45; /* - */
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot === -1 ? mantissa.length : dot) + exponent; // position of the decimal point in `digits`
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return negative ? '-' + out : out;
}

/** Largest `decimals` accepted by {@link formatMinorUnits}. */
export const MAX_DECIMALS = 36;

function checkDecimals(decimals: number): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`decimals must be an integer in [0, ${MAX_DECIMALS}], got ${String(decimals)}`);
  }
  return decimals;
}

function toBigIntAmount(amount: number | bigint): bigint {
  if (typeof amount === 'bigint') return amount;
  if (!Number.isSafeInteger(amount)) {
    // A non-safe number has already lost precision; refuse rather than export a wrong amount.
    throw new RangeError(`amount must be a safe integer number of minor units (or a bigint), got ${String(amount)}`);
  }
  return BigInt(amount);
}

/**
 * Format an integer amount of minor units with a fixed number of decimals,
 * exactly (bigint arithmetic, no floating point):
 * `formatMinorUnits(12345, 2)` → `"123.45"`, `(-5, 2)` → `"-0.05"`,
 * `(1, 6)` → `"0.000001"`, `(7, 0)` → `"7"`. Zero is never signed.
 *
 * `amount` must be a bigint or a safe-integer number; throws RangeError otherwise.
 */
export function formatMinorUnits(amount: number | bigint, decimals: number): string {
  const a = toBigIntAmount(amount);
  const d = checkDecimals(decimals);
  const negative = a < 0n;
  const digits = (negative ? -a : a).toString();
  if (d === 0) return negative ? '-' + digits : digits;
  const padded = digits.length <= d ? '0'.repeat(d - digits.length + 1) + digits : digits;
  const cut = padded.length - d;
  return (negative ? '-' : '') + padded.slice(0, cut) + '.' + padded.slice(cut);
}
