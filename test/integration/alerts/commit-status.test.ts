/**
 * Commit statuses against a real local HTTP server answering like GitHub's and GitLab's APIs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProvider } from '#shared/config/provider.ts';
import { postCommitStatus, type CommitStatus } from '#shared/alerts/commit-status.ts';
import { DeliveryRejectedError, type RetryPolicy } from '#shared/alerts/delivery.ts';
import type { ResolvedProvider } from '#shared/alerts/provider-secrets.ts';
import { ManualClock, SHA } from '#test/unit/alerts/fixtures.ts';
import { FakeProviderServer } from './fake-provider-server.ts';

const RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };
const STATUS: CommitStatus = { sha: SHA, state: 'failure', context: 'kustomization/apps/prod-eu', description: 'apply failed: field is immutable' };

let server: FakeProviderServer;
before(async () => {
  server = await new FakeProviderServer().start();
});
after(() => server.close());

function provider(type: 'github' | 'gitlab', repoPath: string): ResolvedProvider {
  const parsed = parseProvider({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Provider',
    metadata: { name: type, namespace: 'flux-system' },
    spec: { type, address: `${server.baseUrl}/${repoPath}`, secretRef: { name: `${type}-token` } },
  });
  return { provider: parsed, id: `flux-system/${type}`, address: parsed.spec.address ?? '', token: `${type}-token-value-123`, secretValues: [] };
}

describe('GitHub commit status', () => {
  it('POSTs the status to /api/v3/repos/{owner}/{repo}/statuses/{sha} of an Enterprise host with the token', async () => {
    // Prepare
    const path = `/api/v3/repos/acme/fleet/statuses/${SHA}`;
    server.script(path, { status: 201, body: { id: 1 } });

    // Act
    const result = await postCommitStatus(provider('github', 'acme/fleet.git'), STATUS, { clock: new ManualClock(), retry: RETRY });

    // Assess
    assert.equal(result.attempts, 1);
    const [request] = server.requestsTo(path);
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers.authorization, 'Bearer github-token-value-123');
    assert.equal(request?.headers.accept, 'application/vnd.github+json');
    assert.deepEqual(request?.json, { state: 'failure', context: 'kustomization/apps/prod-eu', description: 'apply failed: field is immutable' });
  });

  it('retries a 500 and then succeeds', async () => {
    // Prepare
    const path = `/api/v3/repos/acme/retry/statuses/${SHA}`;
    server.script(path, { status: 500, body: 'oops' }, { status: 201, body: {} });
    const clock = new ManualClock();

    // Act
    const result = await postCommitStatus(provider('github', 'acme/retry'), STATUS, { clock, retry: RETRY });

    // Assess
    assert.equal(result.attempts, 2);
    assert.deepEqual(clock.sleeps, [500]);
  });

  it('treats a 403 with Retry-After as a rate limit to wait for', async () => {
    // Prepare
    const path = `/api/v3/repos/acme/limited/statuses/${SHA}`;
    server.script(path, { status: 403, body: { message: 'secondary rate limit' }, headers: { 'retry-after': '2' } }, { status: 201, body: {} });
    const clock = new ManualClock();

    // Act
    await postCommitStatus(provider('github', 'acme/limited'), STATUS, { clock, retry: RETRY });

    // Assess
    assert.deepEqual(clock.sleeps, [2000]);
  });

  it('does not retry a 404 (unknown repository or no access)', async () => {
    // Prepare
    const path = `/api/v3/repos/acme/missing/statuses/${SHA}`;
    server.script(path, { status: 404, body: { message: 'Not Found' } });

    // Act and assess
    await assert.rejects(postCommitStatus(provider('github', 'acme/missing'), STATUS, { clock: new ManualClock(), retry: RETRY }), (error: unknown) => {
      assert.ok(error instanceof DeliveryRejectedError);
      assert.equal(error.status, 404);
      assert.equal(error.message.includes('github-token-value-123'), false);
      return true;
    });
    assert.equal(server.requestsTo(path).length, 1);
  });
});

describe('GitLab commit status', () => {
  it('POSTs to /api/v4/projects/<url-encoded path>/statuses/{sha} with PRIVATE-TOKEN', async () => {
    // Prepare
    // node:http decodes nothing: the encoded project path arrives as sent.
    const path = `/api/v4/projects/platform%2Fk8s%2Ffleet/statuses/${SHA}`;
    server.script(path, { status: 201, body: { id: 9 } });

    // Act
    await postCommitStatus(
      provider('gitlab', 'platform/k8s/fleet.git'),
      { ...STATUS, state: 'success', description: 'reconciliation succeeded' },
      {
        clock: new ManualClock(),
        retry: RETRY,
      },
    );

    // Assess
    const [request] = server.requestsTo(path);
    assert.equal(request?.headers['private-token'], 'gitlab-token-value-123');
    assert.deepEqual(request?.json, { state: 'success', name: 'kustomization/apps/prod-eu', description: 'reconciliation succeeded' });
  });

  it('maps failure to GitLab state failed', async () => {
    // Prepare
    const path = `/api/v4/projects/acme%2Ffleet/statuses/${SHA}`;
    server.script(path, { status: 201, body: {} });

    // Act
    await postCommitStatus(provider('gitlab', 'acme/fleet'), STATUS, { clock: new ManualClock(), retry: RETRY });

    // Assess
    assert.equal((server.requestsTo(path)[0]?.json as { state?: string }).state, 'failed');
  });

  it('accepts "cannot transition status" (the commit already shows this state)', async () => {
    // Prepare
    const path = `/api/v4/projects/acme%2Fsame/statuses/${SHA}`;
    server.script(path, { status: 400, body: { message: 'Cannot transition status via :drop from :failed' } });

    // Act
    const result = await postCommitStatus(provider('gitlab', 'acme/same'), STATUS, { clock: new ManualClock(), retry: RETRY });

    // Assess
    assert.equal(result.attempts, 1);
  });

  it('does not retry a 401', async () => {
    // Prepare
    const path = `/api/v4/projects/acme%2Fdenied/statuses/${SHA}`;
    server.script(path, { status: 401, body: { message: '401 Unauthorized' } });

    // Act and assess
    await assert.rejects(postCommitStatus(provider('gitlab', 'acme/denied'), STATUS, { clock: new ManualClock(), retry: RETRY }), { status: 401 });
    assert.equal(server.requestsTo(path).length, 1);
  });
});
