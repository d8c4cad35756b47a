import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listReceivers } from '#shared/cli/commands/receivers.ts';
import { buildProgram } from '#shared/cli/main.ts';
import { receiverWebhookPath } from '#shared/config/receiver.ts';

const RECEIVER_YAML = `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: github-receiver
  namespace: flux-system
spec:
  type: github
  events: ["ping", "push"]
  secretRef:
    name: webhook-token
  resources:
    - kind: GitRepository
      name: flux-system
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: gitlab-receiver
  namespace: apps
spec:
  type: gitlab
  secretRef:
    name: gitlab-token
  resources:
    - kind: GitRepository
      name: apps
`;

function fleet(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'clusters', 'prod'), { recursive: true });
  writeFileSync(join(dir, 'clusters', 'prod', 'receivers.yaml'), RECEIVER_YAML);
  return dir;
}

test('receivers lists each Receiver with type, events and the webhook path computed from its token', async (t) => {
  // Prepare
  const dir = fleet(t);
  const secrets = join(dir, 'secrets.yaml');
  writeFileSync(secrets, 'flux-system/webhook-token: s3cr3t\n');
  // Act
  const listings = await listReceivers(dir, secrets, {});
  // Assess
  assert.deepEqual(
    listings.map((l) => [l.namespace, l.name, l.type, l.events.join(','), l.path]),
    [
      ['flux-system', 'github-receiver', 'github', 'ping,push', receiverWebhookPath('s3cr3t', 'github-receiver', 'flux-system')],
      ['apps', 'gitlab-receiver', 'gitlab', '', undefined],
    ],
  );
});

test('receivers takes a token from a TIDELINE_SECRET_* variable', async (t) => {
  // Prepare
  const dir = fleet(t);
  // Act
  const listings = await listReceivers(dir, undefined, { TIDELINE_SECRET_APPS_GITLAB_TOKEN: 'gl-token' });
  // Assess
  assert.equal(listings.find((l) => l.name === 'gitlab-receiver')?.path, receiverWebhookPath('gl-token', 'gitlab-receiver', 'apps'));
});

test('the receivers verb is registered on the tideline program', async () => {
  // Act
  const names = (await buildProgram()).commands.map((command) => command.name());
  // Assess
  assert.ok(names.includes('receivers'));
});
