/**
 * Secret masking: Secret values never reach a diff, a log line or an error message.
 *
 * Values are replaced by markers before anything is compared for printing; a key whose value
 * differs between the two sides gets distinct markers so a diff still shows *that* it changed.
 */
import { TransientError } from '#shared/errors/index.ts';
import type { KubeObject } from './objects.ts';
import { isSecret } from './objects.ts';

/** The marker printed in place of a Secret value. */
export const MASK = '***';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Masks the `data` and `stringData` of a pair of Secret versions (either may be absent) so the
 * pair can be diffed: equal values become `***`, differing ones `*** (before)` / `*** (after)`.
 * Non-Secrets are returned unchanged (as copies).
 */
export function maskSecretPair(before: KubeObject | undefined, after: KubeObject | undefined): [KubeObject | undefined, KubeObject | undefined] {
  const b = before ? structuredClone(before) : undefined;
  const a = after ? structuredClone(after) : undefined;
  const subject = a ?? b;
  if (!subject || !isSecret(subject)) return [b, a];
  for (const field of ['data', 'stringData'] as const) {
    const bv = (b?.[field] ?? undefined) as Record<string, string> | undefined;
    const av = (a?.[field] ?? undefined) as Record<string, string> | undefined;
    const keys = new Set([...Object.keys(bv ?? {}), ...Object.keys(av ?? {})]);
    for (const key of keys) {
      const same = bv?.[key] === av?.[key];
      if (bv && key in bv) bv[key] = same ? MASK : `${MASK} (before)`;
      if (av && key in av) av[key] = same ? MASK : `${MASK} (after)`;
    }
  }
  for (const object of [b, a]) {
    // kubectl's last-applied annotation holds a full copy of the Secret, values included.
    if (object?.metadata.annotations?.[LAST_APPLIED]) object.metadata.annotations[LAST_APPLIED] = MASK;
  }
  return [b, a];
}

/** Masks one object's Secret values (for printing a single object). */
export function maskSecret(object: KubeObject): KubeObject {
  return maskSecretPair(object, undefined)[0] as KubeObject;
}

/**
 * Removes a Secret's own values from a message about it (an API server error may quote what it
 * rejected). Values shorter than 4 characters are left: they cannot be told apart from prose.
 */
export function scrubSecretValues(message: string, object: KubeObject): string {
  if (!isSecret(object)) return message;
  const values = new Set<string>();
  for (const [field, encoded] of [
    ['data', true],
    ['stringData', false],
  ] as const) {
    for (const value of Object.values((object[field] ?? {}) as Record<string, unknown>)) {
      if (typeof value !== 'string') continue;
      values.add(value);
      values.add(encoded ? Buffer.from(value, 'base64').toString('utf8') : Buffer.from(value, 'utf8').toString('base64'));
    }
  }
  let scrubbed = message;
  for (const value of [...values].sort((a, b) => b.length - a.length)) if (value.length >= 4) scrubbed = scrubbed.split(value).join(MASK);
  return scrubbed;
}

/**
 * A TransientError about `object` with its Secret values scrubbed from the message (the error is
 * rethrown out of a reconcile, so it reaches logs and events like any collected error). Returns
 * the same error when there was nothing to scrub.
 */
export function scrubTransient(error: TransientError, object: KubeObject): TransientError {
  const detail = scrubSecretValues(error.detail, object);
  if (detail === error.detail) return error;
  return new TransientError(detail, {
    ...(error.object ? { object: error.object } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  });
}
