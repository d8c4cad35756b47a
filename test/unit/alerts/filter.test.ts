import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlert } from '#shared/config/alert.ts';
import { alertMatches } from '#shared/alerts/filter.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { sampleEvents } from './fixtures.ts';

const alertWith = (spec: Record<string, unknown>, namespace = 'flux-system') =>
  parseAlert({
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Alert',
    metadata: { name: 'a', namespace },
    spec: { providerRef: { name: 'p' }, eventSources: [{ kind: 'Kustomization', name: '*' }], ...spec },
  });
const events = sampleEvents();
const success = toNotification(events.ReconcileSucceeded);
const failure = toNotification(events.ReconcileFailed);
const unreachable = toNotification(events.ClusterUnreachable);

describe('alert filtering', () => {
  it('info severity lets successes and failures through', () => {
    // Prepare
    const alert = alertWith({ eventSeverity: 'info' });

    // Act and assess
    assert.equal(alertMatches(alert, success), true);
    assert.equal(alertMatches(alert, failure), true);
  });

  it('error severity drops info events', () => {
    // Prepare
    const alert = alertWith({ eventSeverity: 'error' });

    // Act and assess
    assert.equal(alertMatches(alert, success), false);
    assert.equal(alertMatches(alert, failure), true);
  });

  it('a named source matches only that Kustomization', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Kustomization', name: 'apps' }] }), success), true);
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Kustomization', name: 'infra' }] }), success), false);
  });

  it("a source without namespace takes the Alert's namespace", () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({}, 'flux-system'), success), true);
    assert.equal(alertMatches(alertWith({}, 'team-a'), success), false);
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Kustomization', name: '*', namespace: 'flux-system' }] }, 'team-a'), success), true);
  });

  it('matchLabels selects on the Kustomization labels', () => {
    // Prepare
    const alert = alertWith({ eventSources: [{ kind: 'Kustomization', name: '*', matchLabels: { team: 'shop' } }] });

    // Act and assess
    assert.equal(
      alertMatches(alert, success, () => ({ team: 'shop', tier: 'web' })),
      true,
    );
    assert.equal(
      alertMatches(alert, success, () => ({ team: 'billing' })),
      false,
    );
  });

  it('matchLabels matches nothing when the labels are unknown', () => {
    // Prepare
    const alert = alertWith({ eventSources: [{ kind: 'Kustomization', name: '*', matchLabels: { team: 'shop' } }] });

    // Act and assess
    assert.equal(
      alertMatches(alert, success, () => undefined),
      false,
    );
  });

  it('the inclusion list keeps only messages matching one of its regexes', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ inclusionList: ['immutable'] }), failure), true);
    assert.equal(alertMatches(alertWith({ inclusionList: ['immutable'] }), success), false);
  });

  it('the exclusion list drops messages matching any of its regexes', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ exclusionList: ['^nothing', 'field is immutable'] }), failure), false);
    assert.equal(alertMatches(alertWith({ exclusionList: ['field is immutable'] }), success), true);
  });

  it('a suspended Alert receives nothing', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ suspend: true }), failure), false);
  });

  it('a cluster-wide event reaches Cluster sources by name and catch-all Kustomization sources', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Cluster', name: 'prod-eu' }] }), unreachable), true);
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Cluster', name: 'staging' }] }), unreachable), false);
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Kustomization', name: '*' }] }, 'team-a'), unreachable), true);
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Kustomization', name: 'apps' }] }), unreachable), false);
  });

  it('Cluster sources do not receive Kustomization events', () => {
    // Act and assess
    assert.equal(alertMatches(alertWith({ eventSources: [{ kind: 'Cluster', name: '*' }] }), failure), false);
  });
});

describe('event severities', () => {
  it('maps successes and corrections to info and failures to error', () => {
    // Act and assess
    assert.equal(toNotification(events.ReconcileSucceeded).severity, 'info');
    assert.equal(toNotification(events.DriftCorrected).severity, 'info');
    for (const type of ['ReconcileFailed', 'HealthCheckFailed', 'RenderFailed', 'ClusterUnreachable'] as const) {
      assert.equal(toNotification(events[type]).severity, 'error', type);
    }
  });

  it('drift that will not be corrected is an error, drift about to be corrected is info', () => {
    // Prepare
    const drift = events.DriftDetected;

    // Act and assess
    assert.equal(toNotification({ ...drift, detail: { ...drift.detail, willCorrect: true } }).severity, 'info');
    assert.equal(toNotification({ ...drift, detail: { ...drift.detail, willCorrect: false } }).severity, 'error');
  });
});
