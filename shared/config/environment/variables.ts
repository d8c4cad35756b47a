/**
 * Reading a function's environment: the few shapes its variables take, each failing with an
 * InvalidInputError that names the variable, so a bad deployment fails its cold start with a
 * message saying what to fix rather than failing the first event.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** A process environment, or any map standing in for one in tests and the CLI. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** The variable's value without surrounding white space; undefined when unset or blank. */
export function optionalVariable(env: EnvironmentVariables, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/** The variable's value without surrounding white space; throws naming it when unset or blank. */
export function requiredVariable(env: EnvironmentVariables, name: string, purpose?: string): string {
  const value = optionalVariable(env, name);
  if (value === undefined) throw new InvalidInputError(`environment variable ${name} is required${purpose ? ` (${purpose})` : ''}`);
  return value;
}

/**
 * A whole number (digits only, no unit) within `min`..`max`, or `fallback` when unset or blank;
 * throws naming the variable and the accepted range otherwise.
 */
export function wholeNumberVariable(env: EnvironmentVariables, name: string, options: { fallback: number; min?: number; max?: number; unit?: string }): number {
  const text = optionalVariable(env, name) ?? String(options.fallback);
  const value = Number(text);
  const min = options.min ?? 0;
  if (/^[0-9]+$/.test(text) && value >= min && (options.max === undefined || value <= options.max)) return value;
  const unit = options.unit ? ` of ${options.unit}` : '';
  const range = options.max !== undefined ? ` from ${min} to ${options.max}` : min > 0 ? ` above ${min - 1}` : '';
  throw new InvalidInputError(`environment variable ${name} must be a whole number${unit}${range}`);
}
