/**
 * GitLab webhooks. Either proof authenticates a request:
 *  - the secret token, sent as is in `X-Gitlab-Token` and compared in constant time (what Flux checks);
 *  - a signing token: `webhook-signature: v1,<base64 HMAC-SHA256>` (possibly several, space-separated)
 *    over `<webhook-id>.<webhook-timestamp>.<body>` (Standard Webhooks), the timestamp within a
 *    tolerance; the receiver token is then the signing token, `whsec_<base64>` as GitLab shows it.
 * Events: `Push Hook` and `Tag Push Hook` in `X-Gitlab-Event`, and `System Hook` whose payload's
 * `event_name` is `push` or `tag_push` (other system events are ignored). The delivery id is the
 * `Idempotency-Key` (stable across retries), else `webhook-id`, else `X-Gitlab-Event-UUID`.
 */
import * as z from '#shared/zod.ts';
import type { WebhookProvider } from '../types.ts';
import { secretsEqual, verifyStandardWebhook } from '../verify.ts';
import { cloneUrls, firstHeader, isFullRevision, isZeroRevision, optionalRevision, parsePayload } from './common.ts';

/** How far a signed request's timestamp may be from our clock (Standard Webhooks suggests 5 minutes). */
export const GITLAB_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

const revision = z.string().check(z.regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id'));

const Nullable = z.nullable(z.optional(z.string()));

const GitLabPushSchema = z.object({
  // Project hooks name the kind in `object_kind`, system hooks in `event_name`.
  object_kind: Nullable,
  event_name: Nullable,
  ref: z.string().check(z.minLength(1)),
  before: z.nullable(z.optional(revision)),
  after: revision,
  checkout_sha: Nullable,
  user_username: Nullable,
  user_name: Nullable,
  total_commits_count: z.optional(z.int().check(z.nonnegative())),
  commits: z.nullable(z.optional(z.array(z.unknown()))),
  project: z.nullable(z.optional(z.object({ git_http_url: Nullable, git_ssh_url: Nullable, web_url: Nullable, path_with_namespace: Nullable }))),
  repository: z.nullable(z.optional(z.object({ git_http_url: Nullable, git_ssh_url: Nullable, homepage: Nullable }))),
});

const PUSH_KINDS = new Set(['push', 'tag_push']);

/** What kind of event a payload is: the project hook's `object_kind`, else the system hook's `event_name`. */
function payloadKind(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { object_kind: objectKind, event_name: eventName } = payload as { object_kind?: unknown; event_name?: unknown };
  if (typeof objectKind === 'string') return objectKind;
  return typeof eventName === 'string' ? eventName : undefined;
}

export const gitlabProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  jsonWithoutContentType: true,
  filtersEvents: true,
  verify(headers, body, token, nowMs) {
    // GitLab sends the secret token and the signature when both are configured, while a Flux
    // Receiver holds one token: either proof is enough (the secret token is all Flux checks).
    const signatures = headers.get('webhook-signature');
    const provided = headers.get('x-gitlab-token');
    if (provided !== undefined && secretsEqual(provided, token)) return { ok: true };
    if (signatures) {
      const id = headers.get('webhook-id');
      const timestamp = headers.get('webhook-timestamp');
      if (!id || !timestamp) return { ok: false, reason: 'webhook-signature needs webhook-id and webhook-timestamp headers' };
      return verifyStandardWebhook({ secret: token, id, timestamp, signatures, body, nowMs, toleranceMs: GITLAB_SIGNATURE_TOLERANCE_MS });
    }
    if (provided === undefined) return { ok: false, reason: 'missing X-Gitlab-Token (or webhook-signature) header' };
    return { ok: false, reason: 'X-Gitlab-Token does not match' };
  },
  eventName: (headers) => headers.get('x-gitlab-event'),
  // A system hook carries every instance event under one header value; the payload tells pushes apart.
  classify: (event) => (event === 'Push Hook' || event === 'Tag Push Hook' || event === 'System Hook' ? 'push' : 'unsupported'),
  deliveryId: (headers) => firstHeader(headers, 'idempotency-key', 'webhook-id', 'x-gitlab-event-uuid'),
  normalize(payload) {
    const kind = payloadKind(payload);
    if (kind !== undefined && !PUSH_KINDS.has(kind)) {
      return { ignored: `GitLab event ${JSON.stringify(kind.replace(/[^\x20-\x7e]/g, '?').slice(0, 40))} is not a push; Tideline acts on pushes only` };
    }
    if (kind === undefined) parsePayload(z.object({ object_kind: z.enum(['push', 'tag_push']) }), payload, 'GitLab');
    const push = parsePayload(GitLabPushSchema, payload, 'GitLab');
    if (isZeroRevision(push.after)) return [];
    const before = optionalRevision(push.before);
    const pusher = push.user_username ?? push.user_name ?? undefined;
    const urls = cloneUrls(push.project?.git_http_url ?? push.repository?.git_http_url, push.project?.git_ssh_url ?? push.repository?.git_ssh_url);
    if (urls.length === 0) parsePayload(z.object({ project: z.object({ git_http_url: z.string().check(z.minLength(1)) }) }), payload, 'GitLab');
    const webUrl = push.project?.web_url ?? push.repository?.homepage ?? undefined;
    // `checkout_sha` is the commit the ref now points at; for an annotated tag `after` is the tag
    // object, which is not a commit a reconciler can check out.
    const revisionNow = isFullRevision(push.checkout_sha) && !isZeroRevision(push.checkout_sha) ? push.checkout_sha : push.after;
    return [
      {
        ref: push.ref,
        revision: revisionNow.toLowerCase(),
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
