// Webhook intake benchmark: in-process throughput and p50/p99 latency of the intake handler for a
// 20 KB GitHub push (routing, constant-time signature check, event filter, JSON parse, payload
// validation, event building, idempotency record), with PutEvents excluded (a bus that only
// counts). There is no reference tool for this path, so the same run measures a bare baseline —
// HMAC-SHA256 verify + JSON.parse of the same body — and prints the ratio handler / baseline.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { parseReceiver, receiverWebhookPath } from '#shared/config/receiver.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import { ReceiverDirectory, handleWebhook } from '#shared/intake/index.ts';
import type { IntakeDeps } from '#shared/intake/index.ts';
import { systemClock } from '#shared/ports/index.ts';

const TOKEN = 'bench-webhook-token';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const WARMUP = Math.min(2_000, ITERATIONS);

function hex(n: number): string {
  return createHmac('sha1', 'x').update(String(n)).digest('hex');
}

/** A GitHub push payload of about `targetBytes`, grown with realistic commit entries. */
function githubPush(targetBytes: number): string {
  const payload = {
    ref: 'refs/heads/main',
    before: hex(0),
    after: hex(1),
    repository: {
      id: 1,
      name: 'fleet',
      full_name: 'acme/fleet',
      clone_url: 'https://github.com/acme/fleet.git',
      ssh_url: 'git@github.com:acme/fleet.git',
      html_url: 'https://github.com/acme/fleet',
      private: true,
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: { login: 'octocat', id: 1 },
    created: false,
    deleted: false,
    forced: false,
    commits: [] as unknown[],
    head_commit: null as unknown,
  };
  for (let i = 0; JSON.stringify(payload).length < targetBytes; i += 1) {
    payload.commits.push({
      id: hex(i + 2),
      tree_id: hex(i + 1000),
      distinct: true,
      message: `Bump service-${i} to 1.${i}.0\n\nRolled out by the release pipeline.`,
      timestamp: '2026-03-01T12:00:00+00:00',
      url: `https://github.com/acme/fleet/commit/${hex(i + 2)}`,
      author: { name: 'Octo Cat', email: 'octocat@github.com', username: 'octocat' },
      committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
      added: [],
      removed: [],
      modified: [`apps/production/service-${i}/kustomization.yaml`],
    });
  }
  payload.head_commit = payload.commits.at(-1);
  return JSON.stringify(payload);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(run: (i: number) => Promise<unknown> | unknown): Promise<{ opsPerSec: number; p50Us: number; p99Us: number }> {
  for (let i = 0; i < WARMUP; i += 1) await run(-1 - i);
  const latencies: number[] = new Array(ITERATIONS);
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i += 1) {
    const t0 = process.hrtime.bigint();
    await run(i);
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { opsPerSec: ITERATIONS / totalSeconds, p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99) };
}

const receiver = parseReceiver({
  apiVersion: 'notification.toolkit.fluxcd.io/v1',
  kind: 'Receiver',
  metadata: { name: 'github', namespace: 'flux-system' },
  spec: { type: 'github', events: ['ping', 'push'], secretRef: { name: 'webhook-token' }, resources: [{ kind: 'GitRepository', name: 'fleet' }] },
});
let published = 0;
const deps: IntakeDeps = {
  receivers: new ReceiverDirectory([receiver], new LocalSecretStore({ values: { 'flux-system/webhook-token': TOKEN } }), { clock: systemClock }),
  // PutEvents is excluded: the bus only counts what it would publish.
  bus: { publish: async (events: readonly CatalogEvent[]) => ((published += events.length), { published: events.length, failed: [] }) },
  deliveries: new MemoryTtlStore(systemClock),
  clock: systemClock,
};

const body = Buffer.from(githubPush(20 * 1024));
const signature = `sha256=${createHmac('sha256', TOKEN).update(body).digest('hex')}`;
const path = receiverWebhookPath(TOKEN, 'github', 'flux-system');
const baseHeaders = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature };

const handler = await measure(async (i) => {
  // A distinct delivery id per request, so every one goes the whole way instead of stopping as a duplicate.
  const response = await handleWebhook({ method: 'POST', path, headers: { ...baseHeaders, 'x-github-delivery': `bench-${i}` }, body }, deps);
  if (response.status !== 200) throw new Error(`unexpected status ${response.status}: ${response.body}`);
});

const expectedDigest = Buffer.from(signature.slice('sha256='.length), 'hex');
const baseline = await measure(() => {
  const digest = createHmac('sha256', TOKEN).update(body).digest();
  if (!timingSafeEqual(digest, expectedDigest)) throw new Error('baseline signature mismatch');
  return JSON.parse(body.toString('utf8')) as unknown;
});

const result = {
  bench: 'intake',
  bodyBytes: body.length,
  iterations: ITERATIONS,
  handlerOpsPerSec: Math.round(handler.opsPerSec),
  handlerP50Us: Number(handler.p50Us.toFixed(1)),
  handlerP99Us: Number(handler.p99Us.toFixed(1)),
  baselineOpsPerSec: Math.round(baseline.opsPerSec),
  baselineP50Us: Number(baseline.p50Us.toFixed(1)),
  baselineP99Us: Number(baseline.p99Us.toFixed(1)),
  p50Ratio: Number((handler.p50Us / baseline.p50Us).toFixed(2)),
  throughputRatio: Number((handler.opsPerSec / baseline.opsPerSec).toFixed(3)),
  eventsBuilt: published,
};
process.stdout.write(
  `intake handler (${result.bodyBytes} B GitHub push, ${ITERATIONS} requests, PutEvents excluded): ` +
    `${result.handlerOpsPerSec} req/s, p50 ${result.handlerP50Us} µs, p99 ${result.handlerP99Us} µs\n` +
    `baseline (HMAC-SHA256 verify + JSON.parse): ${result.baselineOpsPerSec} req/s, p50 ${result.baselineP50Us} µs, p99 ${result.baselineP99Us} µs\n` +
    `ratio handler/baseline: p50 ${result.p50Ratio}x, throughput ${result.throughputRatio}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
