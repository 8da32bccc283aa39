import { z } from 'zod';
import { badInput } from './errors.ts';
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

/** Validates a mutation's input with zod; the error names the field: `input.reason must not be empty`. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'input';
    throw badInput(`input.${field} ${issue.message}`, { argument: `input.${field}` });
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
    const field = String(parsed.error.issues[0]!.path[0] ?? '');
    throw badInput(`filter.${field} ${parsed.error.issues[0]!.message}`, { argument: `filter.${field}` });
  }
  return parsed.data;
}
