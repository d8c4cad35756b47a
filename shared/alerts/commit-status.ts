/**
 * Commit status on GitHub and GitLab: the applied revision shows whether it reconciled.
 *
 * The Provider's address is the repository URL; the API base follows from it, so GitHub
 * Enterprise (`https://<host>/api/v3`) and self-hosted GitLab (`https://<host>/api/v4`) work like
 * the public services. The status context names the Kustomization and the cluster
 * (`kustomization/<name>/<cluster>`), so every cluster a revision rolls out to gets its own line.
 * Only events about a revision's outcome set a status: render, reconcile and health-check results.
 */
import { InvalidInputError } from '#shared/errors/index.ts';
import { parseRepositoryUrl } from './commit-link.ts';
import { deliver, httpVerdict, type DeliveryContext, type ReceivedResponse, type ResponseVerdict } from './delivery.ts';
import { commitOf, type AlertNotification } from './notification.ts';
import { providerLabel, type ResolvedProvider } from './provider-secrets.ts';
import type { Redactor } from './redact.ts';
import { truncatePlain } from './text.ts';

/** GitHub's limit on a status description. */
export const DESCRIPTION_MAX = 140;

/** Event types that say whether a revision reconciled, and so set a commit status. */
const STATUS_EVENTS = new Set(['ReconcileSucceeded', 'ReconcileFailed', 'HealthCheckFailed', 'RenderFailed']);

/** The commit status Tideline sets for a notification. */
export interface CommitStatus {
  sha: string;
  state: 'success' | 'failure';
  context: string;
  description: string;
}

/** Splits CamelCase into lower-case words: `HealthCheckFailed` → `health check failed`. */
function words(reason: string): string {
  return reason
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * The status a notification sets, or undefined when it sets none (drift and cluster events, or a
 * revision without a commit sha).
 */
export function commitStatusFor(notification: AlertNotification, redactor: Redactor): CommitStatus | undefined {
  if (!STATUS_EVENTS.has(notification.detailType)) return undefined;
  const sha = commitOf(notification.revision);
  if (!sha || notification.involvedObject.kind !== 'Kustomization') return undefined;
  const firstLine = notification.message.split('\n')[0] ?? '';
  const description = truncatePlain(redactor.redact(`${words(notification.reason)}: ${firstLine}`), DESCRIPTION_MAX);
  return {
    sha,
    state: notification.severity === 'info' ? 'success' : 'failure',
    context: `kustomization/${notification.involvedObject.name}/${notification.cluster}`.toLowerCase(),
    description,
  };
}

/** API base of a GitHub repository URL: api.github.com for github.com, `/api/v3` on Enterprise. */
export function githubApi(repoUrl: string): { base: string; owner: string; repo: string } {
  const location = parseRepositoryUrl(repoUrl);
  const parts = location?.path.split('/') ?? [];
  if (!location || parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new InvalidInputError(`the address must be a GitHub repository URL such as https://github.com/<owner>/<repo>`);
  }
  const host = new URL(location.origin).hostname;
  const base = host === 'github.com' ? 'https://api.github.com' : `${location.origin}/api/v3`;
  return { base, owner: parts[0], repo: parts[1] };
}

/** API base and project path of a GitLab repository URL (groups and subgroups allowed). */
export function gitlabApi(repoUrl: string): { base: string; project: string } {
  const location = parseRepositoryUrl(repoUrl);
  if (!location || !location.path.includes('/')) {
    throw new InvalidInputError(`the address must be a GitLab project URL such as https://gitlab.com/<group>/<project>`);
  }
  return { base: `${location.origin}/api/v4`, project: location.path };
}

function gitlabVerdict(response: ReceivedResponse, now: number): ResponseVerdict<ReceivedResponse> {
  // GitLab refuses to set the state a status already has ("Cannot transition status via :run
  // from :running"); the commit already shows what we wanted, which is success for us.
  if (response.status === 400 && /cannot transition status/i.test(response.body)) return { outcome: 'ok', value: response };
  return httpVerdict(response, now);
}

/** Sets `status` with a `github` or `gitlab` Provider. */
export async function postCommitStatus(resolved: ResolvedProvider, status: CommitStatus, context: DeliveryContext): Promise<{ attempts: number }> {
  const { provider } = resolved;
  const target = providerLabel(provider);
  const address = resolved.address ?? '';
  const timeoutMs = provider.timeoutMs;
  if (provider.spec.type === 'github') {
    const api = providerApi(target, () => githubApi(address));
    const url = `${api.base}/repos/${encodeURIComponent(api.owner)}/${encodeURIComponent(api.repo)}/statuses/${status.sha}`;
    const headers = {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${resolved.token ?? ''}`,
      'content-type': 'application/json',
      'user-agent': 'tideline',
      'x-github-api-version': '2022-11-28',
    };
    const body = JSON.stringify({ state: status.state, context: status.context, description: status.description });
    const delivered = await deliver({ target, url, headers, body, timeoutMs }, githubVerdict, context);
    return { attempts: delivered.attempts };
  }
  if (provider.spec.type === 'gitlab') {
    const api = providerApi(target, () => gitlabApi(address));
    const url = `${api.base}/projects/${encodeURIComponent(api.project)}/statuses/${status.sha}`;
    const headers = { 'content-type': 'application/json', 'private-token': resolved.token ?? '', 'user-agent': 'tideline' };
    const body = JSON.stringify({ state: status.state === 'success' ? 'success' : 'failed', name: status.context, description: status.description });
    const delivered = await deliver({ target, url, headers, body, timeoutMs }, gitlabVerdict, context);
    return { attempts: delivered.attempts };
  }
  throw new InvalidInputError(`${target}: type ${provider.spec.type} does not set commit statuses`);
}

/** The provider's API coordinates from its address; a malformed address is the user's input, named by provider. */
function providerApi<T>(target: string, parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    throw new InvalidInputError(`${target}: ${(cause as Error).message}`, { cause });
  }
}

function githubVerdict(response: ReceivedResponse, now: number): ResponseVerdict<ReceivedResponse> {
  // GitHub's secondary rate limit answers 403 with Retry-After (or an exhausted quota header):
  // a wait, not a refusal.
  if (response.status === 403 && (response.headers.get('retry-after') || response.headers.get('x-ratelimit-remaining') === '0')) {
    const verdict = httpVerdict({ ...response, status: 429 }, now);
    return verdict.outcome === 'retry' ? { ...verdict, reason: 'rate_limited' } : verdict;
  }
  return httpVerdict(response, now);
}
