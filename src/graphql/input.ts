import type { z } from 'zod';
import { badInput } from './errors.ts';

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
