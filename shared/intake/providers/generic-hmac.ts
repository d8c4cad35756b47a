/**
 * Flux's `generic-hmac` receiver: `X-Signature: <sha1|sha256|sha512>=<hex HMAC of the body>`.
 *
 * As in Flux's notification-controller, the signature over the raw body is the whole contract:
 * the body may be anything (`{}`, any JSON, not JSON at all, any content type), and a verified
 * request asks to reconcile the Receiver's `spec.resources` at their latest revision.
 *
 * Tideline extension: a JSON body that names a push is used to say exactly what changed,
 *
 *     { "repository": "https://git.example.com/fleet.git", "ref": "refs/heads/main",
 *       "revision": "<full commit id>", "before": "<optional>", "commits": 1, "pusher": "ci" }
 *
 * `ref` may be a bare branch name (`main` → `refs/heads/main`); the all-zero revision (a deleted
 * ref) emits nothing. A body that does not name a complete push is not an error: it is a plain
 * "reconcile now", and the response notes which field kept it from naming one.
 *
 * A delivery id may be sent in `X-Delivery-Id` (or `X-Request-Id`); see the intake handler for
 * how requests without one are identified. The signature header is read exactly as Flux reads
 * it: a lower-case algorithm name, `=`, the hex digest.
 */
import * as z from '#shared/zod.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import type { WebhookProvider } from '../types.ts';
import { verifyPrefixedHmac } from '../verify.ts';
import { firstHeader, isZeroRevision, optionalRevision, parsePayload } from './common.ts';

const GenericPushSchema = z.object({
  repository: z.union([z.string().check(z.minLength(1)), z.object({ url: z.string().check(z.minLength(1)) })]),
  // A full ref, or a bare branch name (`main`) that stands for refs/heads/main.
  ref: z.string().check(z.regex(/^[^\s]+$/, 'a ref such as refs/heads/main')),
  revision: z.string().check(z.regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id')),
  before: z.nullable(z.optional(z.string())),
  commits: z.optional(z.int().check(z.nonnegative())),
  pusher: z.nullable(z.optional(z.string())),
});

export const genericHmacProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  jsonWithoutContentType: true,
  opaqueBody: true,
  filtersEvents: false,
  verify(headers, body, token) {
    const signature = headers.get('x-signature');
    if (!signature) return { ok: false, reason: 'missing X-Signature header' };
    return verifyPrefixedHmac(signature, token, body, ['sha1', 'sha256', 'sha512'])
      ? { ok: true }
      : { ok: false, reason: 'X-Signature does not match the body' };
  },
  eventName: () => 'push',
  classify: () => 'push',
  deliveryId: (headers) => firstHeader(headers, 'x-delivery-id', 'x-request-id'),
  normalize(payload) {
    if (!isPushShaped(payload)) return { unnamed: "the body names no push; the receiver's resources are reconciled at their latest revision" };
    let push: z.infer<typeof GenericPushSchema>;
    try {
      push = parsePayload(GenericPushSchema, payload, 'generic-hmac');
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return { unnamed: `the body does not name a complete push (${error.message}); the receiver's resources are reconciled at their latest revision` };
    }
    if (isZeroRevision(push.revision)) return [];
    const before = optionalRevision(push.before);
    const url = typeof push.repository === 'string' ? push.repository : push.repository.url;
    return [
      {
        ref: push.ref.startsWith('refs/') ? push.ref : `refs/heads/${push.ref}`,
        revision: push.revision.toLowerCase(),
        ...(before ? { before } : {}),
        commits: push.commits ?? 0,
        ...(push.pusher ? { pusher: push.pusher } : {}),
        repository: { urls: [url] },
      },
    ];
  },
};

/** Whether a body tries to name a push at all (an object with any of the push fields). */
function isPushShaped(payload: unknown): boolean {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  return ['repository', 'ref', 'revision'].some((field) => Object.hasOwn(payload, field));
}
