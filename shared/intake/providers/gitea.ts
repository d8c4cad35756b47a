/**
 * Gitea and Forgejo webhooks: `X-Gitea-Signature` (Forgejo: `X-Forgejo-Signature`) is the bare
 * hex HMAC-SHA256 of the body; the event is in `X-Gitea-Event` / `X-Forgejo-Event` and the
 * delivery id in `X-Gitea-Delivery` / `X-Forgejo-Delivery`. The push payload follows GitHub's.
 */
import type { WebhookProvider } from '../types.ts';
import { verifyHexHmac } from '../verify.ts';
import { firstHeader } from './common.ts';
import { normalizeGitHubStylePush } from './github.ts';

export const giteaProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  verify(headers, body, token) {
    const signature = firstHeader(headers, 'x-gitea-signature', 'x-forgejo-signature');
    if (!signature) return { ok: false, reason: 'missing X-Gitea-Signature header' };
    return verifyHexHmac('sha256', token, body, signature.trim()) ? { ok: true } : { ok: false, reason: 'X-Gitea-Signature does not match the body' };
  },
  eventName: (headers) => firstHeader(headers, 'x-gitea-event', 'x-forgejo-event', 'x-gogs-event'),
  classify: (event) => (event === 'push' ? 'push' : 'unsupported'),
  deliveryId: (headers) => firstHeader(headers, 'x-gitea-delivery', 'x-forgejo-delivery', 'x-gogs-delivery'),
  normalize: (payload) => normalizeGitHubStylePush(payload, 'Gitea'),
};
