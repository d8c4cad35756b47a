/**
 * Bitbucket Cloud webhooks: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`, the event in
 * `X-Event-Key` (`repo:push`), the delivery id in `X-Request-UUID`. One push may update several
 * refs (`push.changes[]`); each updated ref becomes its own event, deletions (`new: null`) none.
 */
import * as z from '#shared/zod.ts';
import type { PushFacts, WebhookProvider } from '../types.ts';
import { verifyPrefixedHmac } from '../verify.ts';
import { cloneUrls, optionalRevision, parsePayload } from './common.ts';

const revision = z.string().check(z.regex(/^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$/, 'a full commit id'));

const RefStateSchema = z.object({
  type: z.string(),
  name: z.string().check(z.minLength(1)),
  target: z.object({ hash: revision }),
});

const BitbucketPushSchema = z.object({
  actor: z.nullable(z.optional(z.object({ nickname: z.nullable(z.optional(z.string())), display_name: z.nullable(z.optional(z.string())) }))),
  repository: z.object({
    full_name: z.string().check(z.minLength(1)),
    links: z.object({ html: z.object({ href: z.string().check(z.minLength(1)) }) }),
  }),
  push: z.object({
    changes: z.array(
      z.object({
        new: z.optional(z.nullable(RefStateSchema)),
        old: z.optional(z.nullable(z.object({ target: z.nullable(z.optional(z.object({ hash: z.string() }))) }))),
        commits: z.nullable(z.optional(z.array(z.unknown()))),
      }),
    ),
  }),
});

function fullRef(state: z.infer<typeof RefStateSchema>): string {
  if (state.type === 'tag' || state.type === 'annotated_tag') return `refs/tags/${state.name}`;
  return `refs/heads/${state.name}`;
}

export const bitbucketProvider: WebhookProvider = {
  contentTypes: ['application/json'],
  jsonWithoutContentType: false,
  filtersEvents: true,
  verify(headers, body, token) {
    const signature = headers.get('x-hub-signature');
    if (!signature) return { ok: false, reason: 'missing X-Hub-Signature header' };
    return verifyPrefixedHmac(signature, token, body, ['sha256']) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature does not match the body' };
  },
  eventName: (headers) => headers.get('x-event-key'),
  classify: (event) => (event === 'repo:push' ? 'push' : event === 'diagnostics:ping' ? 'ping' : 'unsupported'),
  deliveryId: (headers) => headers.get('x-request-uuid'),
  normalize(payload) {
    const push = parsePayload(BitbucketPushSchema, payload, 'Bitbucket');
    const webUrl = push.repository.links.html.href.replace(/\/+$/, '');
    // The push payload carries no clone links; the https clone URL is the web URL plus `.git`.
    const urls = cloneUrls(`${webUrl}.git`);
    const pusher = push.actor?.nickname ?? push.actor?.display_name ?? undefined;
    const facts: PushFacts[] = [];
    for (const change of push.push.changes) {
      if (!change.new) continue;
      const before = optionalRevision(change.old?.target?.hash);
      facts.push({
        ref: fullRef(change.new),
        revision: change.new.target.hash.toLowerCase(),
        ...(before ? { before } : {}),
        commits: change.commits?.length ?? 0,
        ...(pusher ? { pusher } : {}),
        repository: { urls, fullName: push.repository.full_name, webUrl },
      });
    }
    return facts;
  },
};
