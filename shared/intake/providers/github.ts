/**
 * GitHub webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, the event in
 * `X-GitHub-Event` (`push` for branches and tags, `ping` when the hook is created) and the
 * delivery id in `X-GitHub-Delivery`. GitHub may post JSON or a form with a `payload` field; the
 * signature always covers the raw body as sent. Without `X-Hub-Signature-256`, the legacy
 * `X-Hub-Signature: sha1=<hex>` is accepted, as Flux does.
 */
import * as z from '#shared/zod.ts';
import type { PushFacts, WebhookProvider } from '../types.ts';
import { verifyPrefixedHmac } from '../verify.ts';
import { cloneUrls, isFullRevision, isZeroRevision, optionalRevision, parsePayload } from './common.ts';

const revision = z.string().check(z.regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id'));

/** The fields of GitHub's (and Gitea's, which copies it) push payload that Tideline reads. */
export const GitHubStylePushSchema = z.object({
  ref: z.string().check(z.minLength(1)),
  before: z.nullable(z.optional(revision)),
  after: revision,
  deleted: z.optional(z.boolean()),
  commits: z.nullable(z.optional(z.array(z.unknown()))),
  total_commits: z.optional(z.int().check(z.nonnegative())),
  repository: z.object({
    full_name: z.optional(z.string()),
    clone_url: z.string().check(z.minLength(1)),
    ssh_url: z.nullable(z.optional(z.string())),
    html_url: z.nullable(z.optional(z.string())),
  }),
  pusher: z.nullable(
    z.optional(z.object({ name: z.nullable(z.optional(z.string())), login: z.nullable(z.optional(z.string())), username: z.nullable(z.optional(z.string())) })),
  ),
  head_commit: z.nullable(z.optional(z.object({ id: z.nullable(z.optional(z.string())) }))),
});

/** Normalizes a GitHub-style push payload: one entry, or none for a deletion. */
export function normalizeGitHubStylePush(payload: unknown, provider: string): PushFacts[] {
  const push = parsePayload(GitHubStylePushSchema, payload, provider);
  if (push.deleted === true || isZeroRevision(push.after)) return [];
  const before = optionalRevision(push.before);
  const pusher = push.pusher?.name ?? push.pusher?.login ?? push.pusher?.username ?? undefined;
  // For an annotated tag `after` is the tag object; `head_commit` is the commit it points at,
  // which is what a reconciler checks out. (For lightweight tags and branches the two agree.)
  const taggedCommit = push.ref.startsWith('refs/tags/') && isFullRevision(push.head_commit?.id) ? push.head_commit.id : undefined;
  return [
    {
      ref: push.ref,
      revision: (taggedCommit ?? push.after).toLowerCase(),
      ...(before ? { before } : {}),
      commits: push.total_commits ?? push.commits?.length ?? 0,
      ...(pusher ? { pusher } : {}),
      repository: {
        urls: cloneUrls(push.repository.clone_url, push.repository.ssh_url),
        ...(push.repository.full_name ? { fullName: push.repository.full_name } : {}),
        ...(push.repository.html_url ? { webUrl: push.repository.html_url } : {}),
      },
    },
  ];
}

export const githubProvider: WebhookProvider = {
  contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
  jsonWithoutContentType: false,
  filtersEvents: true,
  verify(headers, body, token) {
    // As Flux: the SHA-256 header when present; otherwise the legacy `X-Hub-Signature: sha1=…`
    // that older GitHub Enterprise Server releases send alone. HMAC-SHA1 is still a sound MAC.
    const modern = headers.get('x-hub-signature-256');
    if (modern) {
      return verifyPrefixedHmac(modern, token, body, ['sha256']) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body' };
    }
    const legacy = headers.get('x-hub-signature');
    if (!legacy) return { ok: false, reason: 'missing X-Hub-Signature-256 header' };
    return verifyPrefixedHmac(legacy, token, body, ['sha1', 'sha256']) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature does not match the body' };
  },
  eventName: (headers) => headers.get('x-github-event'),
  classify: (event) => (event === 'push' ? 'push' : event === 'ping' ? 'ping' : 'unsupported'),
  deliveryId: (headers) => headers.get('x-github-delivery'),
  normalize: (payload) => normalizeGitHubStylePush(payload, 'GitHub'),
};
