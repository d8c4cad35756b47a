/**
 * Helpers shared by the provider payload parsers.
 */
import type * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';

/** The all-zero object id a provider reports as `after` when a ref is deleted (SHA-1 or SHA-256). */
export function isZeroRevision(revision: string | undefined | null): boolean {
  return typeof revision === 'string' && /^0+$/.test(revision);
}

/** A full commit id (SHA-1 or SHA-256), lower-cased. */
export function isFullRevision(revision: unknown): revision is string {
  return typeof revision === 'string' && /^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/.test(revision);
}

/** Validates a payload against a provider schema; throws InvalidInputError naming the field. */
export function parsePayload<T>(schema: z.ZodMiniType<T>, payload: unknown, provider: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new InvalidInputError(`${provider} push payload: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Clone URLs in the order Tideline prefers them (https first), without blanks or duplicates. */
export function cloneUrls(...candidates: (string | undefined | null)[]): string[] {
  const urls = [...new Set(candidates.filter((url): url is string => typeof url === 'string' && url.length > 0))];
  return urls.sort((a, b) => Number(!a.startsWith('https://')) - Number(!b.startsWith('https://')));
}

/** A lower-cased revision, or undefined for a missing or all-zero one (a new ref has no "before"). */
export function optionalRevision(revision: string | undefined | null): string | undefined {
  if (!isFullRevision(revision) || isZeroRevision(revision)) return undefined;
  return revision.toLowerCase();
}

/** The first header present among `names`. */
export function firstHeader(headers: ReadonlyMap<string, string>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers.get(name);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
