import { z } from 'zod';
import { parseStrictTimestamp } from '../domain/timestamps';

/**
 * An instant the user gives (key expiry, audit filter bounds): ISO-8601 with a zone, and a date
 * and time that exist (see parseStrictTimestamp). The value stays the text as given; services
 * read it with `new Date(value)`, which is exact once it passed here.
 */
export function strictTimestampSchema(what: string) {
  return z
    .string()
    .max(64, `${what} is too long for a date-time`)
    .superRefine((value, ctx) => {
      const parsed = parseStrictTimestamp(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${what}: ${parsed.message}` });
    });
}
