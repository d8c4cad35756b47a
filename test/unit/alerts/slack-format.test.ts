import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeEvent } from '#shared/events/catalog.ts';
import { commitUrl } from '#shared/alerts/commit-link.ts';
import { toNotification } from '#shared/alerts/notification.ts';
import { BLOCK_KIT_LIMITS, blockKitViolations, formatSlackMessage, shortRevision, type Block, type SlackMessage } from '#shared/alerts/slack-format.ts';
import { changeSet, REVISION, sampleEvents, SHA } from './fixtures.ts';

const events = sampleEvents();

function header(message: SlackMessage): string {
  const block = message.blocks[0];
  assert.equal(block?.type, 'header');
  return (block as Extract<Block, { type: 'header' }>).text.text;
}

function allMrkdwn(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) =>
    b.type === 'section'
      ? [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)]
      : b.type === 'context'
        ? b.elements.map((e) => e.text)
        : [],
  );
}

describe('Block Kit message per event type', () => {
  for (const [type, event] of Object.entries(events)) {
    it(`${type}: fits Block Kit limits, has a header naming outcome and place, and a fallback text`, () => {
      // Prepare
      const message = formatSlackMessage(toNotification(event));

      // Act and assess
      assert.deepEqual(blockKitViolations(message), []);
      assert.match(header(message), /prod-eu/);
      if (type !== 'ClusterUnreachable') assert.match(header(message), /flux-system\/apps/);
      assert.ok(message.text.length > 0);
    });
  }

  it('names the outcome in the header', () => {
    // Act and assess
    assert.match(header(formatSlackMessage(toNotification(events.ReconcileSucceeded))), /Reconciled/);
    assert.match(header(formatSlackMessage(toNotification(events.ReconcileFailed))), /Reconcile failed/);
    assert.match(header(formatSlackMessage(toNotification(events.DriftDetected))), /Drift detected/);
  });

  it('links the short revision to the commit when the repository URL allows', () => {
    // Prepare
    const message = formatSlackMessage(toNotification(events.ReconcileSucceeded), { repoUrl: 'ssh://git@github.com/acme/fleet.git' });

    // Act and assess
    assert.ok(allMrkdwn(message).some((t) => t.includes(`<https://github.com/acme/fleet/commit/${SHA}|main@3f1c2a9>`)));
  });

  it('shows the short revision without a link for an unknown host', () => {
    // Prepare
    const message = formatSlackMessage(toNotification(events.ReconcileSucceeded), { repoUrl: 'https://git.internal.example/acme/fleet' });
    const revision = allMrkdwn(message).find((t) => t.startsWith('*Revision*'));

    // Act and assess
    assert.equal(revision, '*Revision*\nmain@3f1c2a9');
  });

  it('summarises the change set with counts, then the changed objects', () => {
    // Prepare
    const texts = allMrkdwn(formatSlackMessage(toNotification(events.ReconcileSucceeded)));

    // Act and assess
    assert.ok(texts.includes('*Changes:* 2 created · 1 configured · 40 unchanged'));
    assert.ok(texts.some((t) => t.includes('• `Deployment/shop/web-0` created') && t.includes('• `ConfigMap/shop/settings-0` configured')));
  });

  it('lists the first N objects and says how many more', () => {
    // Prepare
    const event = makeEvent('ReconcileSucceeded', { ...events.ReconcileSucceeded.detail, changeSet: changeSet(250, 0, 0) });

    // Act
    const texts = allMrkdwn(formatSlackMessage(toNotification(event), { maxObjects: 10 }));
    const list = texts.find((t) => t.startsWith('• '));

    // Assess
    assert.equal(list?.split('\n').filter((l) => l.startsWith('• ')).length, 10);
    assert.match(list ?? '', /… and 240 more$/);
  });

  it('puts the error text in a code block', () => {
    // Prepare
    const texts = allMrkdwn(formatSlackMessage(toNotification(events.RenderFailed)));

    // Act and assess
    assert.ok(texts.some((t) => t.startsWith('*Error*\n```\n') && t.includes("'deployment.yaml' not found")));
  });

  it('escapes mrkdwn control characters coming from event texts', () => {
    // Prepare
    const event = makeEvent('RenderFailed', { ...events.RenderFailed.detail, message: 'bad <script> & <!channel>' });

    // Act
    const texts = allMrkdwn(formatSlackMessage(toNotification(event)));

    // Assess
    assert.ok(texts.some((t) => t.includes('bad &lt;script&gt; &amp; &lt;!channel&gt;')));
    assert.equal(
      texts.some((t) => t.includes('<!channel>')),
      false,
    );
    assert.equal(formatSlackMessage(toNotification(event)).text.includes('<!channel>'), false);
  });

  it('stays within every limit with the largest events the catalog allows', () => {
    // Prepare
    const long = 'x'.repeat(300);
    const big = makeEvent('ReconcileFailed', {
      ...events.ReconcileFailed.detail,
      cluster: 'c'.repeat(200),
      kustomization: { name: 'k'.repeat(200), namespace: 'n'.repeat(63) },
      message: '😀'.repeat(2048),
      errors: Array.from({ length: 50 }, (_, i) => ({
        object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: long, name: `${long}${i}` },
        message: 'é'.repeat(4096),
      })),
      changeSet: changeSet(60, 40, 1000),
    });

    // Act
    const message = formatSlackMessage(toNotification(big), { metadata: { summary: 's'.repeat(5000), env: 'e'.repeat(5000) } });

    // Assess
    assert.deepEqual(blockKitViolations(message), []);
    assert.ok(header(message).length <= BLOCK_KIT_LIMITS.headerText);
    assert.ok(message.blocks.length <= BLOCK_KIT_LIMITS.blocks);
  });

  it('shows the Alert summary and eventMetadata', () => {
    // Prepare
    const texts = allMrkdwn(formatSlackMessage(toNotification(events.ReconcileFailed), { metadata: { summary: 'Production EU', env: 'prod' } }));

    // Act and assess
    assert.ok(texts.includes('> Production EU'));
    assert.ok(texts.includes('*env:* prod'));
  });

  it('gives a plain fallback naming outcome, place and revision', () => {
    // Prepare
    const message = formatSlackMessage(toNotification(events.ReconcileFailed));

    // Act and assess
    assert.equal(message.text, 'Reconcile failed: flux-system/apps on prod-eu at main@3f1c2a9 — server-side apply failed for 1 object');
  });
});

describe('blockKitViolations', () => {
  it('reports an overlong header and too many blocks', () => {
    // Prepare
    const message: SlackMessage = {
      text: 'x',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }, ...Array.from({ length: 50 }, () => ({ type: 'divider' as const }))],
    };

    // Act
    const problems = blockKitViolations(message);

    // Assess
    assert.ok(problems.some((p) => p.includes('header 151 > 150')));
    assert.ok(problems.some((p) => p.includes('blocks: 51 > 50')));
  });
});

describe('commit links', () => {
  const cases: [string, string | undefined][] = [
    ['https://github.com/acme/fleet.git', `https://github.com/acme/fleet/commit/${SHA}`],
    ['git@github.com:acme/fleet.git', `https://github.com/acme/fleet/commit/${SHA}`],
    ['https://user:pw@gitlab.com/group/sub/fleet.git', `https://gitlab.com/group/sub/fleet/-/commit/${SHA}`],
    ['https://bitbucket.org/acme/fleet', `https://bitbucket.org/acme/fleet/commits/${SHA}`],
    ['https://bitbucket.acme.example/scm/ops/fleet.git', `https://bitbucket.acme.example/projects/OPS/repos/fleet/commits/${SHA}`],
    ['https://gitea.acme.example/ops/fleet', `https://gitea.acme.example/ops/fleet/commit/${SHA}`],
    ['https://codeberg.org/ops/fleet.git', `https://codeberg.org/ops/fleet/commit/${SHA}`],
    ['https://git.acme.example/ops/fleet', undefined],
    ['not a url', undefined],
  ];
  for (const [repo, expected] of cases) {
    it(`${repo} → ${expected ?? 'no link'}`, () => {
      // Act and assess
      assert.equal(commitUrl(repo, SHA), expected);
    });
  }

  it('uses the given host kind for self-hosted hosts with neutral names', () => {
    // Act and assess
    assert.equal(commitUrl('https://git.acme.example/ops/fleet', SHA, 'gitlab'), `https://git.acme.example/ops/fleet/-/commit/${SHA}`);
  });

  it('shortens a revision to ref@sha7', () => {
    // Act and assess
    assert.equal(shortRevision(REVISION), 'main@3f1c2a9');
    assert.equal(shortRevision(`sha1:${SHA}`), '3f1c2a9');
    assert.equal(shortRevision('v1.2.3'), 'v1.2.3');
  });
});
