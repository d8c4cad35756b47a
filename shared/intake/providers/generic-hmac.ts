/**
 * Flux's `generic-hmac` receiver: `X-Signature: <sha1|sha256|sha512>=<hex HMAC of the body>`.
 * Tideline needs to know what changed, so the JSON body names it:
 *
 *     { "repository": "https://git.example.com/fleet.git", "ref": "refs/heads/main",
 *       "revision": "<full commit id>", "before": "<optional>", "commits": 1, "pusher": "ci" }
 *
 * A delivery id may be sent in `X-Delivery-Id` (or `X-Request-Id`); without one the body's
 * digest identifies the delivery, so a retried identical body is still recognised. `ref` may also
 * be a bare branch name (`main` → `refs/heads/main`). The signature header is read exactly as
 * Flux's notification-controller reads it: a lower-case algorithm name, `=`, the hex digest.
 */
import { z } from 'zod';
import type { WebhookProvider } from '../types.ts';
import { verifyPrefixedHmac } from '../verify.ts';
import { firstHeader, isZeroRevision, optionalRevision, parsePayload } from './common.ts';

const GenericPushSchema = z.object({
  repository: z.union([z.string().min(1), z.object({ url: z.string().min(1) })]),
  // A full ref, or a bare branch name (`main`) that stands for refs/heads/main.
  ref: z.string().regex(/^[^\s]+$/, 'a ref such as refs/heads/main'),
  revision: z.string().regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id'),
  before: z.string().optional().nullable(),
  commits: z.number().int().nonnegative().optional(),
  pusher: z.string().optional().nullable(),
});

export const genericHmacProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  jsonWithoutContentType: true,
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
    const push = parsePayload(GenericPushSchema, payload, 'generic-hmac');
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
