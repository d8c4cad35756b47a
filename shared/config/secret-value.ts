/**
 * The shape of a secret value that a Flux object's `secretRef` points to.
 *
 * Flux reads a Kubernetes Secret's data keys (`token`, `address`, …); Tideline stores the same data
 * as a JSON object of string keys in its secret store, or, for convenience, as a bare string.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** A parsed secret value: the data keys of a JSON object, or the bare string. */
export type SecretValue = { kind: 'data'; data: Record<string, string> } | { kind: 'bare'; value: string };

/**
 * Parses a stored secret value. A value starting with `{` must be a JSON object (its non-string
 * members are ignored); anything else is a bare value. Errors name the secret, never its content.
 */
export function parseSecretValue(value: string, secretName: string): SecretValue {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return { kind: 'bare', value };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // No cause: JSON.parse's message quotes the secret's text.
    throw new InvalidInputError(`secret ${secretName}: looks like JSON but does not parse`);
  }
  const data: Record<string, string> = {};
  // Text that starts with `{` and parses is a JSON object.
  for (const [key, item] of Object.entries(parsed as object)) if (typeof item === 'string') data[key] = item;
  return { kind: 'data', data };
}
