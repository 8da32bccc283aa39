import { z } from 'zod';
import { badInput } from '../errors.ts';
import { UUID_PATTERN } from './pagination.ts';

/** An id argument of an input: `input.pupilId must be a UUID`. */
export const uuid = z.string().regex(UUID_PATTERN, 'must be a UUID');

/**
 * Whether YYYY-MM-DD is a real calendar day (not 2026-02-30). Also safe on text that does not look
 * like a date at all: zod runs refinements after a failed pattern too.
 */
export function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

/** Required text, trimmed, of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/**
 * What was wrong with a value, as a parameter beside the message (`extensions.problem`, and
 * `extensions.limit` for a length or size), so a client can word it in its own language: REQUIRED,
 * TOO_SHORT, TOO_LONG, TOO_SMALL, TOO_LARGE, INVALID_FORMAT or INVALID.
 */
export function problemOf(issue: z.core.$ZodIssue): { problem: string; limit?: number } {
  const bound = (value: unknown) => (typeof value === 'number' || typeof value === 'bigint' ? { limit: Number(value) } : {});
  switch (issue.code) {
    case 'too_small':
      if ((issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) === 1) return { problem: 'REQUIRED' };
      return { problem: issue.origin === 'string' ? 'TOO_SHORT' : 'TOO_SMALL', ...bound(issue.minimum) };
    case 'too_big':
      return { problem: issue.origin === 'string' ? 'TOO_LONG' : 'TOO_LARGE', ...bound(issue.maximum) };
    case 'invalid_format':
      return { problem: 'INVALID_FORMAT' };
    case 'invalid_type':
      return { problem: issue.input === undefined || issue.input === null ? 'REQUIRED' : 'INVALID' };
    default:
      return { problem: 'INVALID' };
  }
}

/** Validates a mutation's input with zod; the error names the field: `input.reason must not be empty`. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'input';
    throw badInput(`input.${field} ${issue.message}`, { argument: `input.${field}`, ...problemOf(issue) });
  }
  return parsed.data;
}

/**
 * Validates a list's `filter` argument with zod. Fields the client left out or set to null are
 * dropped first (GraphQL passes both); the error names the filter field: `filter.bsn must be 9 digits`.
 */
export function parseFilter<T>(schema: z.ZodType<T>, raw: unknown): T {
  const present = Object.fromEntries(Object.entries((raw ?? {}) as Record<string, unknown>).filter(([, value]) => value != null));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    throw badInput(`filter.${field} ${issue.message}`, { argument: `filter.${field}`, ...problemOf(issue) });
  }
  return parsed.data;
}
