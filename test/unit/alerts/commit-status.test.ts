import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '#shared/events/catalog.ts';
import { commitStatusFor, DESCRIPTION_MAX, githubApi, gitlabApi } from '#shared/alerts/commit-status.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { Redactor } from '#shared/alerts/redact.ts';
import { sampleEvents, SHA } from './fixtures.ts';

const events = sampleEvents();
const redactor = new Redactor();

describe('commit status of an event', () => {
  it('a successful reconcile sets success with the Kustomization and cluster as context', () => {
    // Prepare
    const status = commitStatusFor(toNotification(events.ReconcileSucceeded), redactor);

    // Act and assess
    assert.deepEqual(status, {
      sha: SHA,
      state: 'success',
      context: 'kustomization/apps/prod-eu',
      description: 'reconciliation succeeded: 2 created, 1 configured, 40 unchanged',
    });
  });

  it('failures set failure with the reason in words', () => {
    // Act and assess
    for (const type of ['ReconcileFailed', 'HealthCheckFailed', 'RenderFailed'] as const) {
      const status = commitStatusFor(toNotification(events[type]), redactor);
      assert.equal(status?.state, 'failure', type);
    }
    assert.match(commitStatusFor(toNotification(events.HealthCheckFailed), redactor)?.description ?? '', /^health check failed: /);
  });

  it('drift and cluster events set no status', () => {
    // Act and assess
    for (const type of ['DriftDetected', 'DriftCorrected', 'ClusterUnreachable'] as const) {
      assert.equal(commitStatusFor(toNotification(events[type]), redactor), undefined, type);
    }
  });

  it('the description is cut to 140 characters', () => {
    // Prepare
    const event = makeEvent('RenderFailed', { ...events.RenderFailed.detail, message: 'y'.repeat(1000) });

    // Act and assess
    assert.equal(commitStatusFor(toNotification(event), redactor)?.description.length, DESCRIPTION_MAX);
  });
});

describe('API base from the repository URL', () => {
  it('github.com uses api.github.com', () => {
    // Act and assess
    assert.deepEqual(githubApi('https://github.com/acme/fleet.git'), { base: 'https://api.github.com', owner: 'acme', repo: 'fleet' });
  });

  it('GitHub Enterprise uses /api/v3 on its host', () => {
    // Act and assess
    assert.deepEqual(githubApi('git@github.acme.example:ops/fleet.git'), { base: 'https://github.acme.example/api/v3', owner: 'ops', repo: 'fleet' });
  });

  it('GitLab (self-hosted too) uses /api/v4 and keeps subgroups in the project path', () => {
    // Act and assess
    assert.deepEqual(gitlabApi('https://gitlab.acme.example/platform/k8s/fleet.git'), {
      base: 'https://gitlab.acme.example/api/v4',
      project: 'platform/k8s/fleet',
    });
  });

  it('refuses a GitHub address that is not owner/repo', () => {
    // Act and assess
    assert.throws(() => githubApi('https://github.com/acme'), /GitHub repository URL/);
  });
});
