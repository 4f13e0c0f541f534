import { describe, expect, it } from 'vitest';
import { parseStrictTimestamp } from './timestamps';

const accepted = (text: string) => {
  const parsed = parseStrictTimestamp(text);
  if (!parsed.ok) throw new Error(`${text} was refused: ${parsed.message}`);
  return parsed.iso;
};
const refusal = (text: string) => {
  const parsed = parseStrictTimestamp(text);
  if (parsed.ok) throw new Error(`${text} was accepted as ${parsed.iso}`);
  return parsed.message;
};

describe('parseStrictTimestamp', () => {
  it('takes ISO-8601 instants with a zone and answers their UTC form', () => {
    expect(accepted('2026-01-31T13:45:00Z')).toBe('2026-01-31T13:45:00.000Z');
    expect(accepted('2026-01-31T13:45Z')).toBe('2026-01-31T13:45:00.000Z');
    expect(accepted('2026-01-31T13:45:00.5Z')).toBe('2026-01-31T13:45:00.500Z');
    expect(accepted('2026-01-31T13:45:00.123456789Z')).toBe('2026-01-31T13:45:00.123Z'); // cut, as Date.parse does
    expect(accepted('2026-01-31T01:00:00+02:00')).toBe('2026-01-30T23:00:00.000Z');
    expect(accepted('2026-12-31T23:30:00-01:00')).toBe('2027-01-01T00:30:00.000Z');
    expect(accepted('2024-02-29T10:00:00Z')).toBe('2024-02-29T10:00:00.000Z'); // leap year
    expect(accepted('2000-02-29T00:00:00Z')).toBe('2000-02-29T00:00:00.000Z'); // divisible by 400
    expect(accepted('0050-03-01T00:00:00Z')).toBe('0050-03-01T00:00:00.000Z'); // not read as 1950
    expect(accepted('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses dates that do not exist, saying why', () => {
    expect(refusal('2026-02-30T10:00:00Z')).toBe('2026-02-30 does not exist (February 2026 has 28 days)');
    expect(refusal('2025-02-29T10:00:00Z')).toBe('2025-02-29 does not exist (February 2025 has 28 days)');
    expect(refusal('1900-02-29T10:00:00Z')).toBe('1900-02-29 does not exist (February 1900 has 28 days)');
    expect(refusal('2026-04-31T10:00:00Z')).toBe('2026-04-31 does not exist (April 2026 has 30 days)');
    expect(refusal('2026-01-00T10:00:00Z')).toBe('2026-01-00 does not exist (January 2026 has 31 days)');
    expect(refusal('2026-13-01T10:00:00Z')).toBe('2026-13-01 has no month 13');
    expect(refusal('2026-00-01T10:00:00Z')).toBe('2026-00-01 has no month 00');
  });

  it('refuses times that do not exist: hour 24, minute 60, leap seconds', () => {
    expect(refusal('2026-02-28T24:00:00Z')).toBe('24:00 is not a time of day (use 00:00 of the next day)');
    expect(refusal('2026-02-28T25:00:00Z')).toBe('hour 25 does not exist (00–23)');
    expect(refusal('2026-02-28T23:60Z')).toBe('minute 60 does not exist (00–59)');
    expect(refusal('2026-02-28T23:60:00Z')).toBe('minute 60 does not exist (00–59)');
    expect(refusal('2016-12-31T23:59:60Z')).toBe('23:59:60 is a leap second, which Gatehouse does not take (use :59)');
    expect(refusal('2026-02-28T10:00:61Z')).toBe('second 61 does not exist (00–59)');
  });

  it('refuses other shapes, impossible zones and instants outside 0000–9999 UTC', () => {
    for (const text of ['2026-01-31', '2026-01-31T13:45:00', '2026-01-31 13:45:00Z', '2026-01-31T13:45:00z', 'yesterday', '+002026-01-31T00:00:00Z', '2026-1-31T13:45:00Z']) {
      expect(refusal(text)).toMatch(/is not an ISO-8601 time with a zone \(e\.g\. 2026-01-31T13:45:00Z\)$/);
    }
    expect(refusal('2026-01-31T13:45:00+24:00')).toBe('+24:00 is not a zone offset (−23:59 to +23:59)');
    expect(refusal('2026-01-31T13:45:00+05:60')).toBe('+05:60 is not a zone offset (−23:59 to +23:59)');
    expect(refusal('9999-12-31T23:30:00-01:00')).toMatch(/is out of range \(years 0000–9999 in UTC\)$/);
    expect(refusal('0000-01-01T00:30:00+01:00')).toMatch(/is out of range/);
  });
});
