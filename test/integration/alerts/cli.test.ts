/**
 * `tideline alert preview` and `tideline alert send`, run as a user runs them (a child process).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { blockKitViolations } from '#shared/alerts/slack-format.ts';
import { sampleEvents } from '#test/unit/alerts/fixtures.ts';
import { FakeProviderServer, slackReplies } from './fake-provider-server.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../../shared/cli/main.ts');
const events = sampleEvents();

let server: FakeProviderServer;
let dir: string;
before(async () => {
  server = await new FakeProviderServer().start();
  dir = await mkdtemp(path.join(tmpdir(), 'tideline-alert-cli-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function tideline(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('tideline alert', () => {
  it('preview prints valid Block Kit JSON and the fallback text of an EventBridge envelope', async () => {
    // Prepare
    const file = path.join(dir, 'drift.json');
    const e = events.DriftDetected;
    await writeFile(file, JSON.stringify({ 'detail-type': e.detailType, source: e.source, detail: e.detail }));

    // Act
    const { stdout, code } = await tideline('alert', 'preview', file);

    // Assess
    assert.equal(code, 0);
    const [json, fallback] = stdout.split('\n\nFallback text:\n');
    const { blocks } = JSON.parse(json ?? '') as { blocks: [] };
    assert.deepEqual(blockKitViolations({ text: fallback ?? '', blocks }), []);
    assert.match(fallback ?? '', /^Drift detected: flux-system\/apps on prod-eu at main@3f1c2a9/);
  });

  it('preview --sample shows a built-in sample of an event type', async () => {
    // Prepare
    const { stdout, code } = await tideline('alert', 'preview', '--sample', 'HealthCheckFailed', '--repo-url', 'https://gitlab.com/acme/fleet');

    // Act and assess
    assert.equal(code, 0);
    assert.match(stdout, /Health check failed · prod-eu · flux-system\/apps/);
    assert.match(stdout, /https:\/\/gitlab\.com\/acme\/fleet\/-\/commit\//);
  });

  it('preview refuses an event that is not in the catalog, naming the file', async () => {
    // Prepare
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ detailType: 'ReconcileFailed', detail: { cluster: 'x' } }));

    // Act
    const { stderr, code } = await tideline('alert', 'preview', file);

    // Assess
    assert.equal(code, 2);
    assert.match(stderr, /bad\.json: ReconcileFailed: invalid detail/);
  });

  it('send delivers an event through a Provider file with secrets from a file', async () => {
    // Prepare
    const hook = '/services/T9/B9/cli-hook';
    server.script(hook, slackReplies.webhookOk());
    const event = path.join(dir, 'failed.json');
    await writeFile(event, JSON.stringify({ detailType: events.RenderFailed.detailType, detail: events.RenderFailed.detail }));
    const provider = path.join(dir, 'provider.yaml');
    await writeFile(
      provider,
      'apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata: { name: slack, namespace: flux-system }\nspec: { type: slack, secretRef: { name: hook } }\n',
    );
    const secrets = path.join(dir, 'secrets.yaml');
    await writeFile(secrets, `flux-system/hook: ${server.baseUrl}${hook}\n`);

    // Act
    const { stdout, code } = await tideline('alert', 'send', event, '--provider', provider, '--secrets', secrets);

    // Assess
    assert.equal(code, 0);
    assert.match(stdout, /^sent: flux-system\/slack \(1 attempt\(s\)\)/);
    assert.equal(server.requestsTo(hook).length, 1);
  });
});
