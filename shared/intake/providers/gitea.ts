/**
 * Gitea and Forgejo webhooks: `X-Gitea-Signature` (Forgejo: `X-Forgejo-Signature`) is the bare
 * hex HMAC-SHA256 of the body (Gogs: `X-Gogs-Signature`, the same); the event is in
 * `X-Gitea-Event` / `X-Forgejo-Event` / `X-Gogs-Event` and the delivery id in `X-Gitea-Delivery` /
 * `X-Forgejo-Delivery` / `X-Gogs-Delivery`. The push payload follows GitHub's.
 *
 * A hook set to "application/x-www-form-urlencoded" posts `payload=<JSON>`, but Gitea signs the
 * JSON itself, not the form body; so for a form body the signature is checked over the decoded
 * `payload` field, the only part of the body that is then read.
 */
import type { WebhookProvider } from '../types.ts';
import { verifyHexHmac } from '../verify.ts';
import { firstHeader } from './common.ts';
import { normalizeGitHubStylePush } from './github.ts';

export const giteaProvider: WebhookProvider = {
  contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
  jsonWithoutContentType: true,
  filtersEvents: true,
  verify(headers, body, token) {
    const signature = firstHeader(headers, 'x-gitea-signature', 'x-forgejo-signature', 'x-gogs-signature')?.trim();
    if (!signature) return { ok: false, reason: 'missing X-Gitea-Signature header' };
    const isForm = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
    const signed = isForm ? Buffer.from(new URLSearchParams(body.toString('utf8')).get('payload') ?? '', 'utf8') : body;
    return verifyHexHmac('sha256', token, signed, signature) ? { ok: true } : { ok: false, reason: 'X-Gitea-Signature does not match the body' };
  },
  eventName: (headers) => firstHeader(headers, 'x-gitea-event', 'x-forgejo-event', 'x-gogs-event'),
  classify: (event) => (event === 'push' ? 'push' : 'unsupported'),
  deliveryId: (headers) => firstHeader(headers, 'x-gitea-delivery', 'x-forgejo-delivery', 'x-gogs-delivery'),
  normalize: (payload) => normalizeGitHubStylePush(payload, 'Gitea'),
};
