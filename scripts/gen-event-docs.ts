/**
 * Generates `docs/events.md` from the event catalog: for every detail-type its source, the
 * EventBridge pattern that selects it and the fields of its detail, read from the zod schemas
 * (through their JSON Schema), so the document cannot drift from the code. A unit test fails
 * when the committed document is out of date (`--check`); run `node scripts/gen-event-docs.ts` to refresh it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from '#shared/zod.ts';
import { CATALOG_VERSION, DETAIL_TYPES, catalog, patternFor } from '#shared/events/catalog.ts';
import type { DetailType } from '#shared/events/catalog.ts';

/** What each event means, who emits it and who listens. */
const SUMMARIES: Record<DetailType, string> = {
  GitPushReceived:
    "A Receiver verified a webhook. From a Git host it reports a pushed ref (one event per updated ref; deletions emit nothing). `resources` always lists the Receiver's `spec.resources`; `repository`, `ref` and `revision` are present together or not at all, and when absent (a generic-hmac request whose body names no push) consumers reconcile the listed sources at their latest revision, as Flux does. Emitted by webhook-intake; starts a render of the Kustomizations that follow the repository or the listed sources.",
  SourceChanged:
    "A GitRepository's ref points at a new revision (found after a push, at its interval, or on request). Emitted by source; starts the render of every Kustomization that follows the source.",
  ReconcileRequested:
    'A person asked for a reconcile (`tideline reconcile`, `tideline resume`) of a Kustomization or a source. Emitted by the command line; consumed by source (with `withSource`, or for a source) and render.',
  RenderRequested:
    'One shard of the render of a source revision: the (cluster, Kustomization) pairs one render invocation works on. Emitted by render when a source feeds more targets than a shard holds; consumed by render.',
  ManifestsRendered:
    'A Kustomization was rendered; the bundle is in the artifact store under `artifact.key` (claim check). Emitted by render; consumed by apply through a FIFO queue per cluster and Kustomization.',
  RenderFailed: 'Rendering a Kustomization failed; nothing is applied or pruned. Emitted by render; consumed by alerts.',
  ReconcileSucceeded: 'A rendered bundle was applied (and pruned) on a cluster. Emitted by apply; consumed by alerts and commit status.',
  ReconcileFailed: 'Applying a bundle failed, or was refused (stale revision, empty bundle). Emitted by apply; consumed by alerts.',
  HealthCheckFailed: 'Applied objects did not become healthy within the timeout. Emitted by apply; consumed by alerts.',
  DriftCheckRequested:
    'One shard of a drift sweep: the clusters one drift invocation checks. Emitted by drift at each scheduled sweep (the registered clusters, in shards); consumed by drift.',
  DriftDetected:
    "A drift sweep found cluster objects that differ from the last applied bundle, each with its changed fields (Git's value, the cluster's, the field manager holding it; Secret values masked). Emitted by drift for every drifted Kustomization, in both modes; consumed by alerts.",
  DriftCorrected: 'A drift sweep re-applied the drifted objects of a Kustomization in `correct` mode (the default). Emitted by drift; consumed by alerts.',
  ClusterUnreachable:
    "A cluster could not be reached after retries (`reason` Unreachable), did not answer within the drift check's deadline (Timeout), or refused the credentials (Unauthorized). Emitted by apply and drift; consumed by alerts. The drift sweep checks it again at its next run.",
};

/** Meaning of field names shared across events. */
const FIELD_NOTES: Record<string, string> = {
  version: 'catalog schema version; a breaking change bumps it',
  eventId: 'unique id of this event; consumers deduplicate on it',
  correlationId: 'ties together every event of one change (the Git delivery id when there is one)',
  occurredAt: 'when the event happened',
  cluster: 'name of the cluster in the registry',
  kustomization: 'the Flux Kustomization (name, namespace)',
  revision: 'source revision (`<branch>@sha1:<sha>` for rendered/applied events, the bare commit id for Git events)',
  provider: 'receiver type that verified the webhook',
  receiver: 'the Flux Receiver that accepted the webhook',
  resources: 'the Receiver’s `spec.resources`, namespace defaulted to the Receiver’s; what to reconcile',
  'resources[].name': 'object name, or `*` with `matchLabels` for every source carrying those labels',
  repository: 'the pushed repository; absent when the request named no push',
  'repository.urls': 'clone URLs of the pushed repository, https first',
  ref: 'full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.0`',
  before: 'revision before the push; absent for a new ref',
  commits: 'number of commits the push reported; absent when the request named no push',
  pusher: 'who pushed, as the provider names them',
  deliveryId: 'the provider’s delivery id; when it sends none, `sha256:<digest>` of the body (of body and receive time for a request naming no push)',
  receivedAt: 'when the intake received the webhook',
  artifact: 'where the rendered bundle is in the artifact store (claim check)',
  digest: 'digest of the applied bundle',
  changeSet: 'bounded summary of what the apply did: counts, then the first entries',
  'changeSet.omitted': 'entries left out of `entries` to keep the event small',
  willCorrect: 'true when a DriftCorrected follows',
  attempts: 'connection attempts made before giving up',
  sweepId: 'the drift sweep this belongs to',
  mode: '`correct` (default) or `detect` (annotation `tideline.dev/drift: detect`)',
  'drifted[].fields': 'the changed fields, bounded; Secret values read `***`',
  'drifted[].fields[].path': 'field path, list elements by key (`spec.template.spec.containers[name=web].image`)',
  'drifted[].fields[].expected': 'the value Git sets',
  'drifted[].fields[].actual': 'the value in the cluster; absent when the field was removed',
  'drifted[].fields[].manager': 'field managers other than Tideline that hold the field now',
  'drifted[].fieldsOmitted': 'changed fields left out of `fields`',
  shard: 'which shard of the sweep (index from 0, count)',
  clusters: 'the registered clusters this shard checks',
  versions: 'cluster → record version (Secrets Manager AWSCURRENT VersionId) as the sweep listed it; a warm shard reuses a record cached at that version',
};

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
}

function describeType(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(describeType).join(' or ');
  if (schema.format === 'date-time') return 'RFC 3339 time';
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `list${schema.maxItems !== undefined ? ` (≤ ${schema.maxItems})` : ''} of ${schema.items ? describeType(schema.items) : 'any'}`;
  const limits: string[] = [];
  if (schema.pattern) limits.push(`\`${schema.pattern.replace(/\|/g, '\\|')}\``);
  if (schema.minimum === 0) limits.push('≥ 0');
  if (schema.maxLength !== undefined) limits.push(`≤ ${schema.maxLength} chars`);
  if (schema.minLength !== undefined && schema.minLength > 0 && !schema.pattern) limits.push('non-empty');
  return limits.length > 0 ? `${type} (${limits.join(', ')})` : type;
}

function fieldRows(schema: JsonSchema, prefix: string, rows: string[]): void {
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const note = FIELD_NOTES[path] ?? FIELD_NOTES[name] ?? '';
    const isObject = field.type === 'object' && field.properties;
    const isObjectList = field.type === 'array' && field.items?.type === 'object' && field.items.properties;
    const type = isObject ? 'object' : isObjectList ? `list${field.maxItems !== undefined ? ` (≤ ${field.maxItems})` : ''} of objects` : describeType(field);
    rows.push(`| \`${path}\` | ${type} | ${required.has(name) ? 'yes' : 'no'} | ${note} |`);
    if (isObject) fieldRows(field, path, rows);
    if (isObjectList && field.items) fieldRows(field.items, `${path}[]`, rows);
  }
}

/** The whole `docs/events.md` text. */
export function renderEventDocs(): string {
  const lines: string[] = [
    '# Event catalog',
    '',
    '<!-- Generated by scripts/gen-event-docs.ts from shared/events/catalog.ts. Do not edit by hand. -->',
    '',
    "Every event Tideline's functions exchange over the EventBridge bus (default name `tideline`), with its",
    '`source`, its `detail-type`, the pattern that selects it (infra builds rules from it; the local bus',
    'routes with it) and the fields of its `detail`. Details are validated on both ends with the same',
    `zod schemas (\`shared/events/catalog.ts\`); the current catalog version is ${CATALOG_VERSION}.`,
    '',
    'Events carry ids, keys and digests, never manifests: rendered bundles live in the artifact store and',
    'events point at them (claim check). The publisher refuses an event that would carry a manifest or',
    "whose detail exceeds 64 KiB, batches PutEvents within EventBridge's limits (10 entries, 256 KB per",
    'call) and retries only the entries EventBridge refused.',
    '',
    '| detail-type | source |',
    '| --- | --- |',
    ...DETAIL_TYPES.map((type) => `| [${type}](#${type.toLowerCase()}) | \`${catalog[type].source}\` |`),
    '',
  ];
  for (const type of DETAIL_TYPES) {
    const schema = z.toJSONSchema(catalog[type].schema) as JsonSchema;
    const rows: string[] = [];
    fieldRows(schema, '', rows);
    lines.push(
      `## ${type}`,
      '',
      SUMMARIES[type],
      '',
      `- source: \`${catalog[type].source}\``,
      `- detail-type: \`${type}\``,
      `- pattern: \`${JSON.stringify(patternFor(type))}\``,
      '',
      '| field | type | required | meaning |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    );
  }
  return lines.join('\n');
}

/** Where the generated document lives. */
export const EVENT_DOCS_PATH = fileURLToPath(new URL('../docs/events.md', import.meta.url));

if (import.meta.main) {
  const text = renderEventDocs();
  if (process.argv.includes('--check')) {
    // Used by the unit test: fail when the committed document differs from the catalog.
    const current = existsSync(EVENT_DOCS_PATH) ? readFileSync(EVENT_DOCS_PATH, 'utf8') : '';
    if (current !== text) {
      process.stderr.write(`${EVENT_DOCS_PATH} is out of date: run node scripts/gen-event-docs.ts\n`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(EVENT_DOCS_PATH, text);
    process.stdout.write(`wrote ${EVENT_DOCS_PATH}\n`);
  }
}
