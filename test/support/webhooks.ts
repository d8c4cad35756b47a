// GitHub push webhooks as GitHub sends them, for the tests that post one through the intake: the
// header spellings and the HMAC-SHA256 signature live here so a change of format is made once.
import { createHmac } from 'node:crypto';

/** The headers of a GitHub push delivery of `body`, signed with the Receiver's `token`. */
export function githubPushHeaders(body: string, token: string, deliveryId: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': `sha256=${createHmac('sha256', token).update(body).digest('hex')}`,
  };
}

/** The JSON body of a GitHub push that created `ref` at `sha` (so `before` is all zeros). */
export function githubPushBody(options: { sha: string; repository: Record<string, string>; ref?: string; pusher?: { name: string } }): string {
  return JSON.stringify({
    ref: options.ref ?? 'refs/heads/main',
    before: '0'.repeat(40),
    after: options.sha,
    repository: options.repository,
    ...(options.pusher ? { pusher: options.pusher } : {}),
    head_commit: { id: options.sha },
    commits: [],
  });
}
