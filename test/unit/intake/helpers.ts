// Shared builders for the intake tests: realistic provider payloads (written from each
// provider's documented webhook schema), signing helpers and an intake wired to local adapters.
import { createHmac } from 'node:crypto';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import type { FluxReceiver, ReceiverType } from '#shared/config/receiver.ts';
import { parseReceiver, receiverWebhookPath } from '#shared/config/receiver.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { IntakeDeps, WebhookRequest, WebhookResponse } from '#shared/intake/index.ts';
import { ReceiverDirectory, handleWebhook } from '#shared/intake/index.ts';
import type { Clock, EventBus, PublishResult } from '#shared/ports/index.ts';

export const SHA_A = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
export const SHA_B = 'c441029cf673f84c8b7db52d0a5944ee5c52ff89';
export const SHA_C = '9b0d1c3f9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c';
export const ZERO = '0000000000000000000000000000000000000000';
export const TOKEN = 'correct-horse-battery-staple';

/** A clock that only moves when told to (sleep advances it). */
export function manualClock(start = Date.parse('2026-03-01T12:00:00Z')): Clock & { advance(ms: number): void; slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    slept,
  };
}

/** A bus that records what it was asked to publish, optionally refusing everything. */
export class RecordingBus implements EventBus {
  /** The intake only publishes GitPushReceived, so tests read the details with that type. */
  published: CatalogEvent<'GitPushReceived'>[] = [];
  refuse = false;
  async publish(events: readonly CatalogEvent[]): Promise<PublishResult> {
    if (this.refuse) return { published: 0, failed: events.map((event) => ({ event, reason: 'InternalFailure' })) };
    this.published.push(...(events as CatalogEvent<'GitPushReceived'>[]));
    return { published: events.length, failed: [] };
  }
}

export function receiver(
  type: ReceiverType,
  overrides: { name?: string; namespace?: string; events?: string[]; suspend?: boolean; resources?: Record<string, unknown>[] } = {},
): FluxReceiver {
  return parseReceiver({
    apiVersion: 'notification.toolkit.fluxcd.io/v1',
    kind: 'Receiver',
    metadata: { name: overrides.name ?? `${type}-receiver`, namespace: overrides.namespace ?? 'flux-system' },
    spec: {
      type,
      ...(overrides.events ? { events: overrides.events } : {}),
      ...(overrides.suspend ? { suspend: true } : {}),
      secretRef: { name: `${type}-token` },
      resources: overrides.resources ?? [{ kind: 'GitRepository', name: 'fleet' }],
    },
  });
}

export function pathOf(r: FluxReceiver, token = TOKEN): string {
  return receiverWebhookPath(token, r.metadata.name, r.metadata.namespace);
}

export interface TestIntake {
  deps: IntakeDeps;
  bus: RecordingBus;
  clock: ReturnType<typeof manualClock>;
  secrets: Record<string, string>;
  deliveries: MemoryTtlStore;
}

/** An intake with the given receivers, each with token TOKEN unless `tokens` says otherwise. */
export function makeIntake(
  receivers: FluxReceiver[],
  tokens: Record<string, string> = {},
  hooks: { onGetSecret?: (name: string, options?: { fresh?: boolean }) => void } = {},
): TestIntake {
  const clock = manualClock();
  const secrets: Record<string, string> = {};
  for (const r of receivers) secrets[`${r.metadata.namespace}/${r.spec.secretRef.name}`] = tokens[r.metadata.name] ?? TOKEN;
  // A getter-backed store so tests can rotate a secret by assigning to `secrets`.
  const store = {
    getSecret: async (name: string, options?: { fresh?: boolean }) => {
      hooks.onGetSecret?.(name, options);
      return new LocalSecretStore({ values: secrets }).getSecret(name, options);
    },
  };
  const bus = new RecordingBus();
  const deliveries = new MemoryTtlStore(clock);
  const directory = new ReceiverDirectory(receivers, store, { clock });
  return { deps: { receivers: directory, bus, deliveries, clock }, bus, clock, secrets, deliveries };
}

export const hmacHex = (algorithm: string, key: string, body: string | Buffer): string => createHmac(algorithm, key).update(body).digest('hex');

export function request(path: string, headers: Record<string, string>, body: string | Buffer): WebhookRequest {
  return { method: 'POST', path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
}

/** Posts `body` with `headers` to receiver `r`'s webhook path (made with `token`) on `intake`. */
export function deliver(intake: TestIntake, r: FluxReceiver, headers: Record<string, string>, body: string | Buffer, token = TOKEN): Promise<WebhookResponse> {
  return handleWebhook(request(pathOf(r, token), headers, body), intake.deps);
}

/** Makes an intake holding only `r` (its secret `token`), posts one request to it and returns both. */
export async function deliverOnce(
  r: FluxReceiver,
  headers: Record<string, string>,
  body: string | Buffer,
  token = TOKEN,
): Promise<{ intake: TestIntake; response: WebhookResponse }> {
  const intake = makeIntake([r], { [r.metadata.name]: token });
  return { intake, response: await deliver(intake, r, headers, body, token) };
}

/** The `reason` field of a JSON response body. */
export const reasonOf = (response: WebhookResponse): string => (JSON.parse(response.body) as { reason: string }).reason;

// ---- Payloads, shaped after each provider's documented push event ----

export function githubPush(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: SHA_A,
    after: SHA_B,
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name: 'fleet',
      full_name: 'acme/fleet',
      private: true,
      owner: { name: 'acme', login: 'acme', id: 21031067 },
      html_url: 'https://github.com/acme/fleet',
      clone_url: 'https://github.com/acme/fleet.git',
      ssh_url: 'git@github.com:acme/fleet.git',
      git_url: 'git://github.com/acme/fleet.git',
      default_branch: 'main',
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: { login: 'octocat', id: 21031067, type: 'User' },
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/acme/fleet/compare/${SHA_A.slice(0, 12)}...${SHA_B.slice(0, 12)}`,
    commits: [
      {
        id: SHA_B,
        tree_id: SHA_C,
        distinct: true,
        message: 'Bump web to 1.4.2',
        timestamp: '2026-03-01T12:59:50+01:00',
        url: `https://github.com/acme/fleet/commit/${SHA_B}`,
        author: { name: 'Octo Cat', email: 'octocat@github.com', username: 'octocat' },
        committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
        added: [],
        removed: [],
        modified: ['apps/production/web/kustomization.yaml'],
      },
    ],
    head_commit: { id: SHA_B, message: 'Bump web to 1.4.2' },
    ...overrides,
  };
}

export function githubHeaders(body: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/044aadd',
    'X-GitHub-Event': 'push',
    'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    'X-GitHub-Hook-ID': '292430182',
    'X-Hub-Signature': `sha1=${hmacHex('sha1', TOKEN, body)}`,
    'X-Hub-Signature-256': `sha256=${hmacHex('sha256', TOKEN, body)}`,
    ...overrides,
  };
}

export function gitlabPush(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    object_kind: 'push',
    event_name: 'push',
    before: SHA_A,
    after: SHA_B,
    ref: 'refs/heads/main',
    ref_protected: true,
    checkout_sha: SHA_B,
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    user_email: 'john@example.com',
    project_id: 15,
    project: {
      id: 15,
      name: 'fleet',
      web_url: 'https://gitlab.example.com/platform/fleet',
      git_ssh_url: 'git@gitlab.example.com:platform/fleet.git',
      git_http_url: 'https://gitlab.example.com/platform/fleet.git',
      namespace: 'platform',
      path_with_namespace: 'platform/fleet',
      default_branch: 'main',
    },
    commits: [
      { id: SHA_B, message: 'Scale web to 4 replicas', timestamp: '2026-03-01T11:59:50+00:00', author: { name: 'John Smith', email: 'john@example.com' } },
      { id: SHA_C, message: 'Add staging overlay', timestamp: '2026-03-01T11:58:00+00:00', author: { name: 'John Smith', email: 'john@example.com' } },
    ],
    total_commits_count: 2,
    repository: {
      name: 'fleet',
      url: 'git@gitlab.example.com:platform/fleet.git',
      homepage: 'https://gitlab.example.com/platform/fleet',
      git_http_url: 'https://gitlab.example.com/platform/fleet.git',
      git_ssh_url: 'git@gitlab.example.com:platform/fleet.git',
      visibility_level: 0,
    },
    ...overrides,
  };
}

export function bitbucketPush(changes: unknown[]): Record<string, unknown> {
  return {
    actor: { display_name: 'Ada Lovelace', nickname: 'ada', account_id: '557058:1d0e4b', type: 'user' },
    repository: {
      type: 'repository',
      name: 'fleet',
      full_name: 'acme/fleet',
      uuid: '{3c7a0b1e-5d1f-4f3e-9a37-1c1b1c1d1e1f}',
      is_private: true,
      links: { html: { href: 'https://bitbucket.org/acme/fleet' }, self: { href: 'https://api.bitbucket.org/2.0/repositories/acme/fleet' } },
    },
    push: { changes },
  };
}

export function bitbucketChange(name: string, hash: string | null, oldHash: string | null, type = 'branch'): Record<string, unknown> {
  return {
    new: hash === null ? null : { type, name, target: { type: 'commit', hash, message: 'Bump web\n', date: '2026-03-01T12:00:00+00:00' } },
    old: oldHash === null ? null : { type, name, target: { type: 'commit', hash: oldHash } },
    created: oldHash === null,
    closed: hash === null,
    forced: false,
    truncated: false,
    commits: hash === null ? [] : [{ type: 'commit', hash, message: 'Bump web\n' }],
  };
}

export function giteaPush(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: SHA_A,
    after: SHA_B,
    compare_url: `https://gitea.example.com/infra/fleet/compare/${SHA_A}...${SHA_B}`,
    commits: [
      {
        id: SHA_B,
        message: 'Roll out web 1.4.2\n',
        url: `https://gitea.example.com/infra/fleet/commit/${SHA_B}`,
        author: { name: 'Mei', email: 'mei@example.com', username: 'mei' },
      },
    ],
    total_commits: 1,
    head_commit: { id: SHA_B, message: 'Roll out web 1.4.2\n' },
    repository: {
      id: 7,
      owner: { id: 3, login: 'infra', username: 'infra' },
      name: 'fleet',
      full_name: 'infra/fleet',
      private: true,
      html_url: 'https://gitea.example.com/infra/fleet',
      ssh_url: 'git@gitea.example.com:infra/fleet.git',
      clone_url: 'https://gitea.example.com/infra/fleet.git',
      default_branch: 'main',
    },
    pusher: { id: 9, login: 'mei', username: 'mei', full_name: 'Mei Tanaka', email: 'mei@example.com' },
    sender: { id: 9, login: 'mei', username: 'mei' },
    ...overrides,
  };
}
