/**
 * Strict ISO-8601 / RFC 3339 instants for everything a user types or imports (usage CSV times,
 * key expiry, audit filters). `Date.parse` is lenient: it takes 2026-02-30 as 2 March and
 * T24:00:00 as the next day. Here the fields are read from the text, turned into an instant with
 * the text's own zone, and the instant is turned back into fields in that zone: a date or time that
 * does not exist comes back different and is refused, with what is wrong.
 */

export type StrictTimestamp = { ok: true; iso: string; ms: number } | { ok: false; message: string };

/** `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `Z` or `±HH:MM`; the example used in messages. */
export const TIMESTAMP_EXAMPLE = '2026-01-31T13:45:00Z';
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysIn(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0); // day 0 of the next month = the last of this one
  return date.getUTCDate();
}

/** Fields of `ms` on the wall clock of `offsetMinutes` east of UTC. */
function wallFields(ms: number, offsetMinutes: number): number[] {
  const wall = new Date(ms + offsetMinutes * 60_000);
  return [wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds()];
}

/**
 * Parses `text` as an instant with an explicit zone; `iso` is the UTC form
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (a fraction beyond milliseconds is cut, as Date.parse does).
 * Refuses impossible dates (2026-02-30, 2025-02-29), hour 24, minute or second 60 (leap seconds
 * included), zone offsets beyond ±23:59, and instants outside the years 0000–9999 in UTC.
 */
export function parseStrictTimestamp(text: string): StrictTimestamp {
  const match = PATTERN.exec(text);
  if (!match) return { ok: false, message: `"${text.slice(0, 40)}" is not an ISO-8601 time with a zone (e.g. ${TIMESTAMP_EXAMPLE})` };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = match[8]!;
  const offsetHours = Number(match[10] ?? 0);
  const offsetMins = Number(match[11] ?? 0);
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

  if (month < 1 || month > 12) return { ok: false, message: `${date} has no month ${pad(month)}` };
  const monthDays = daysIn(year, month);
  if (day < 1 || day > monthDays) return { ok: false, message: `${date} does not exist (${MONTHS[month - 1]} ${pad(year, 4)} has ${monthDays} days)` };
  if (hour === 24) return { ok: false, message: `${pad(hour)}:${pad(minute)} is not a time of day (use 00:00 of the next day)` };
  if (hour > 23) return { ok: false, message: `hour ${pad(hour)} does not exist (00–23)` };
  if (minute > 59) return { ok: false, message: `minute ${pad(minute)} does not exist (00–59)` };
  if (second === 60) return { ok: false, message: `${pad(hour)}:${pad(minute)}:60 is a leap second, which Gatehouse does not take (use :59)` };
  if (second > 59) return { ok: false, message: `second ${pad(second)} does not exist (00–59)` };
  if (offsetHours > 23 || offsetMins > 59) return { ok: false, message: `${zone} is not a zone offset (−23:59 to +23:59)` };

  const offset = zone === 'Z' ? 0 : (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0–99 as 1900–1999
  wall.setUTCHours(hour, minute, second, millis);
  const ms = wall.getTime() - offset * 60_000;
  // The check that catches whatever the rules above missed: the instant read back in the text's zone.
  if (wallFields(ms, offset).join() !== [year, month, day, hour, minute, second].join()) {
    return { ok: false, message: `"${text.slice(0, 40)}" is not a time that exists` };
  }
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) return { ok: false, message: `"${text.slice(0, 40)}" is out of range (years 0000–9999 in UTC)` };
  return { ok: true, iso, ms };
}
