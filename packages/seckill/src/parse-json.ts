import type { z } from 'zod';

/** A value of `schema` read from untrusted JSON text (a message, a stored record), or undefined when it is not one. */
export function parseJson<S extends z.ZodType>(schema: S, raw: string): z.output<S> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
