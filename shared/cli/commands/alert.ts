/**
 * `tideline alert preview <event.json>` (or `--sample <type>`): the Slack message (Block Kit JSON and fallback text) an
 * event would produce, to check Alert wording without sending anything.
 * `tideline alert send <event.json> --provider <provider.yaml>`: sends the event through one Flux
 * Provider (secrets from `--secrets <file>` or `TIDELINE_SECRET_*` variables), to test a Provider.
 *
 * The event file holds an EventBridge envelope (`detail-type`, `source`, `detail`) or a catalog
 * event (`detailType`, `detail`).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LocalSecretStore } from '#shared/adapters/local/local-secret-store.ts';
import { MemoryTtlStore } from '#shared/adapters/local/memory-ttl-store.ts';
import { buildAlertingConfig, parseYamlDocuments, type FleetDocument } from '#shared/alerts/config.ts';
import { dispatchOrThrow } from '#shared/alerts/dispatch.ts';
import { ALERTABLE_TYPES, isAlertable, toNotification, type AlertableType } from '#shared/alerts/notification.ts';
import { sampleEvents } from '#shared/alerts/samples.ts';
import { formatSlackMessage } from '#shared/alerts/slack-format.ts';
import { MemoryThreadStore } from '#shared/adapters/local/memory-thread-store.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { catalog, type CatalogEvent, type DetailType } from '#shared/events/catalog.ts';
import { parseAnyEvent } from '#shared/events/parse.ts';
import { systemClock } from '#shared/ports/index.ts';

/** Reads an event file in either envelope shape and validates it against the catalog. */
export async function readEventFile(file: string): Promise<CatalogEvent> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new InvalidInputError('not a readable JSON file', { source: { file }, cause });
  }
  const shape = value as { detailType?: unknown; detail?: unknown } | null;
  if (shape && typeof shape.detailType === 'string' && shape.detailType in catalog) {
    const type = shape.detailType as DetailType;
    value = { 'detail-type': type, source: catalog[type].source, detail: shape.detail };
  }
  try {
    return parseAnyEvent(value);
  } catch (cause) {
    throw new InvalidInputError((cause as Error).message, { source: { file }, cause });
  }
}

interface PreviewOptions {
  sample?: string;
  repoUrl?: string;
  maxObjects?: string;
}

interface SendOptions {
  provider: string;
  secrets?: string;
}

/** Registers the `alert` verb and its `preview` and `send` subcommands. */
export function registerAlert(program: Command): void {
  const alert = program.command('alert').description('preview or send the notification of a Tideline event');
  alert
    .command('preview')
    .description('print the Slack Block Kit JSON and fallback text an event produces')
    .argument('[event.json]', 'event file (EventBridge envelope or catalog event)')
    .option('--sample <type>', `preview a built-in sample event instead: ${ALERTABLE_TYPES.join(', ')}`)
    .option('--repo-url <url>', 'fleet repository URL, to link the revision to its commit')
    .option('--max-objects <n>', 'objects listed before "… and N more"', '10')
    .action(async (file: string | undefined, options: PreviewOptions) => {
      const event = options.sample ? sampleEvent(options.sample) : file ? await readEventFile(file) : undefined;
      if (!event) throw new InvalidInputError('give an event file or --sample <type>');
      if (!isAlertable(event)) throw new InvalidInputError(`${event.detailType} events raise no alert`, { source: { file: file ?? '<sample>' } });
      const message = formatSlackMessage(toNotification(event), {
        maxObjects: Number(options.maxObjects ?? 10),
        ...(options.repoUrl ? { repoUrl: options.repoUrl } : {}),
      });
      process.stdout.write(`${JSON.stringify({ blocks: message.blocks }, null, 2)}\n\nFallback text:\n${message.text}\n`);
    });
  alert
    .command('send')
    .description('send an event through one Flux Provider (every event matches; no dedup across runs)')
    .argument('<event.json>', 'event file (EventBridge envelope or catalog event)')
    .requiredOption('--provider <file>', 'YAML file with the Provider object')
    .option('--secrets <file>', 'secrets file (name: value) for the Provider secretRef')
    .action(async (file: string, options: SendOptions) => {
      const event = await readEventFile(file);
      const providerDocs = parseYamlDocuments(await readFile(options.provider, 'utf8'), options.provider);
      const provider = providerDocs.find((d) => (d.value as { kind?: unknown } | null)?.kind === 'Provider');
      if (!provider) throw new InvalidInputError('no Provider object found', { source: { file: options.provider } });
      const meta = (provider.value as { metadata?: { name?: string; namespace?: string } }).metadata ?? {};
      const namespace = meta.namespace ?? 'flux-system';
      const catchAll: FleetDocument = {
        file: '<cli>',
        value: {
          apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
          kind: 'Alert',
          metadata: { name: 'cli-send', namespace },
          spec: { providerRef: { name: meta.name }, eventSources: [{ kind: 'Kustomization', name: '*', namespace: eventNamespace(event) ?? namespace }] },
        },
      };
      const secrets = new LocalSecretStore({ ...(options.secrets ? { file: options.secrets } : {}), env: process.env });
      const report = await dispatchOrThrow(event, {
        config: buildAlertingConfig([provider, catchAll]),
        secrets,
        dedup: new MemoryTtlStore(systemClock),
        threads: new MemoryThreadStore(systemClock),
        clock: systemClock,
      });
      for (const delivery of report.deliveries) {
        process.stdout.write(
          `${delivery.outcome}: ${delivery.provider ?? delivery.alert}${delivery.attempts ? ` (${delivery.attempts} attempt(s))` : ''}${delivery.reason ? ` — ${delivery.reason}` : ''}\n`,
        );
      }
      if (report.deliveries.length === 0) process.stdout.write(`nothing sent: ${event.detailType} events raise no alert\n`);
    });
}

function sampleEvent(type: string): CatalogEvent {
  if (!(ALERTABLE_TYPES as readonly string[]).includes(type)) throw new InvalidInputError(`--sample must be one of ${ALERTABLE_TYPES.join(', ')}, got ${type}`);
  return sampleEvents()[type as AlertableType];
}

function eventNamespace(event: CatalogEvent): string | undefined {
  const detail = event.detail as { kustomization?: { namespace?: string } };
  return detail.kustomization?.namespace;
}
