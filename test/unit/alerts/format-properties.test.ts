import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeEvent } from '#shared/events/catalog.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { Redactor } from '#shared/alerts/redact.ts';
import { blockKitViolations, formatSlackMessage } from '#shared/alerts/slack-format.ts';
import { sampleEvents } from './fixtures.ts';

const events = sampleEvents();
const SECRET = 'seeded-Secret-Value-42';
// Any text, including mrkdwn control characters, emoji and the seeded secret somewhere inside.
const text = (max: number) =>
  fc
    .tuple(fc.string({ unit: 'grapheme', maxLength: max }), fc.boolean(), fc.constantFrom('<', '>', '&', '`', '*', '|', '😀', ''))
    .map(([s, withSecret, extra]) => (withSecret ? `${s.slice(0, max / 2)}${SECRET}${extra}${s.slice(max / 2)}` : `${s}${extra}`).slice(0, max) || 'x');
const ref = fc.record({ apiVersion: fc.constant('v1'), kind: text(40), namespace: text(63), name: text(253) });

describe('formatting arbitrary events (property)', () => {
  it('every ReconcileFailed fits Block Kit limits and never shows the seeded secret', () => {
    // Prepare
    fc.assert(
      fc.property(
        text(200),
        text(300),
        text(4096),
        fc.array(fc.record({ object: ref, message: text(4096) }), { maxLength: 50 }),
        (cluster, name, message, errors) => {
          const event = makeEvent('ReconcileFailed', { ...events.ReconcileFailed.detail, cluster, kustomization: { name, namespace: 'ns' }, message, errors });

          // Act
          const formatted = formatSlackMessage(toNotification(event), { redactor: new Redactor([SECRET]) });

          // Assess
          assert.deepEqual(blockKitViolations(formatted), []);
          assert.equal(JSON.stringify(formatted).includes(SECRET), false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('every DriftDetected fits Block Kit limits', () => {
    // Prepare
    fc.assert(
      fc.property(
        fc.array(fc.record({ object: ref, change: fc.constantFrom('Modified' as const, 'Missing' as const) }), { maxLength: 100 }),
        fc.nat(100_000),
        (drifted, extra) => {
          const event = makeEvent('DriftDetected', { ...events.DriftDetected.detail, drifted, driftedCount: drifted.length + extra });

          // Act
          const formatted = formatSlackMessage(toNotification(event), { maxObjects: 100 });

          // Assess
          assert.deepEqual(blockKitViolations(formatted), []);
        },
      ),
      { numRuns: 60 },
    );
  });
});
