/**
 * GitLab webhooks. Two ways to authenticate, the stronger checked first:
 *  - a signing token: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 *    `<webhook-id>.<webhook-timestamp>.<body>` (Standard Webhooks), the timestamp within a tolerance;
 *  - the secret token, sent as is in `X-Gitlab-Token` and compared in constant time.
 * Events: `Push Hook` and `Tag Push Hook` in `X-Gitlab-Event`. The delivery id is the
 * `Idempotency-Key` (stable across retries), else `webhook-id`, else `X-Gitlab-Event-UUID`.
 */
import { z } from 'zod';
import type { WebhookProvider } from '../types.ts';
import { secretsEqual, verifyStandardWebhook } from '../verify.ts';
import { cloneUrls, firstHeader, isZeroRevision, optionalRevision, parsePayload } from './common.ts';

/** How far a signed request's timestamp may be from our clock (Standard Webhooks suggests 5 minutes). */
export const GITLAB_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

const revision = z.string().regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id');

const GitLabPushSchema = z.object({
  object_kind: z.enum(['push', 'tag_push']),
  ref: z.string().min(1),
  before: revision.optional().nullable(),
  after: revision,
  user_username: z.string().optional().nullable(),
  user_name: z.string().optional().nullable(),
  total_commits_count: z.number().int().nonnegative().optional(),
  commits: z.array(z.unknown()).optional().nullable(),
  project: z
    .object({
      git_http_url: z.string().optional().nullable(),
      git_ssh_url: z.string().optional().nullable(),
      web_url: z.string().optional().nullable(),
      path_with_namespace: z.string().optional().nullable(),
    })
    .optional()
    .nullable(),
  repository: z.object({ git_http_url: z.string().optional().nullable(), git_ssh_url: z.string().optional().nullable(), homepage: z.string().optional().nullable() }),
});

export const gitlabProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  verify(headers, body, token, nowMs) {
    const signatures = headers.get('webhook-signature');
    if (signatures) {
      const id = headers.get('webhook-id');
      const timestamp = headers.get('webhook-timestamp');
      if (!id || !timestamp) return { ok: false, reason: 'webhook-signature needs webhook-id and webhook-timestamp headers' };
      return verifyStandardWebhook({ secret: token, id, timestamp, signatures, body, nowMs, toleranceMs: GITLAB_SIGNATURE_TOLERANCE_MS });
    }
    const provided = headers.get('x-gitlab-token');
    if (provided === undefined) return { ok: false, reason: 'missing X-Gitlab-Token (or webhook-signature) header' };
    return secretsEqual(provided, token) ? { ok: true } : { ok: false, reason: 'X-Gitlab-Token does not match' };
  },
  eventName: (headers) => headers.get('x-gitlab-event'),
  classify: (event) => (event === 'Push Hook' || event === 'Tag Push Hook' ? 'push' : 'unsupported'),
  deliveryId: (headers) => firstHeader(headers, 'idempotency-key', 'webhook-id', 'x-gitlab-event-uuid'),
  normalize(payload) {
    const push = parsePayload(GitLabPushSchema, payload, 'GitLab');
    if (isZeroRevision(push.after)) return [];
    const before = optionalRevision(push.before);
    const pusher = push.user_username ?? push.user_name ?? undefined;
    const urls = cloneUrls(push.project?.git_http_url ?? push.repository.git_http_url, push.project?.git_ssh_url ?? push.repository.git_ssh_url);
    if (urls.length === 0) parsePayload(z.object({ repository: z.object({ git_http_url: z.string().min(1) }) }), payload, 'GitLab');
    const webUrl = push.project?.web_url ?? push.repository.homepage ?? undefined;
    return [
      {
        ref: push.ref,
        revision: push.after.toLowerCase(),
        ...(before ? { before } : {}),
        commits: push.total_commits_count ?? push.commits?.length ?? 0,
        ...(pusher ? { pusher } : {}),
        repository: {
          urls,
          ...(push.project?.path_with_namespace ? { fullName: push.project.path_with_namespace } : {}),
          ...(webUrl ? { webUrl } : {}),
        },
      },
    ];
  },
};
