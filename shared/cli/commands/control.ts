/**
 * `tideline reconcile`, `suspend` and `resume`, acting as the Flux CLI's verbs do, through the
 * same events the pipeline uses.
 *
 * - `reconcile kustomization <name> [--with-source]` / `reconcile source git <name>` publish a
 *   `ReconcileRequested` event (to a running `tideline dev` over its control endpoint, or to
 *   EventBridge) and wait, polling the status store, until the pipeline has attempted it after the
 *   request: exit 0 when it succeeded, 1 when it failed, 2 on an error or a timeout.
 * - `suspend` sets `suspended` in the status store, which the pipeline honours on its next step;
 *   `resume` clears it and then reconciles, as `flux resume` does.
 *
 * Without `--cluster`, a Kustomization is acted on in every cluster whose status names it.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { durationToMs } from '#shared/config/duration.ts';
import { errorMessage } from '#shared/errors/index.ts';
import { CATALOG_VERSION, makeEvent } from '#shared/events/catalog.ts';
import type { CatalogEvent } from '#shared/events/catalog.ts';
import type { EventBus, KustomizationKey, KustomizationStatus, SourceKey, SourceStatus, StatusStore } from '#shared/ports/index.ts';
import { openControlBus, openStatusStore, processIo, withBusOptions, type BusAccessOptions, type CliIo } from '#shared/cli/status-access.ts';

/** Options of the control subcommands. */
export interface ControlOptions extends BusAccessOptions {
  cluster?: string;
  namespace: string;
  withSource?: boolean;
  timeout: string;
}

/** Exit codes, as documented: 0 reconciled, 1 the reconcile failed, 2 an error or a timeout. */
export const EXIT = { ok: 0, failed: 1, error: 2 } as const;

/** How often the status store is read while waiting. */
const POLL_MS = 200;

type Outcome = 'ok' | 'failed' | 'timeout';

/** A message for a fatal condition before anything was requested. */
class ControlError extends Error {}

function timeoutMs(options: ControlOptions): number {
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(options.timeout))
    throw new ControlError(`--timeout ${JSON.stringify(options.timeout)} is not a duration such as 30s or 5m`);
  return durationToMs(options.timeout);
}

function inCluster(options: { cluster?: string }, record?: KustomizationKey): string {
  const cluster = record?.cluster ?? options.cluster;
  return cluster ? ` of cluster ${cluster}` : '';
}

async function kustomizationsNamed(store: StatusStore, name: string, options: ControlOptions): Promise<KustomizationStatus[]> {
  const records = (await store.listKustomizations(options.cluster ? { cluster: options.cluster } : {})).filter(
    (r) => r.namespace === options.namespace && r.name === name,
  );
  if (records.length === 0) throw new ControlError(`Kustomization ${name} not found in ${options.namespace} namespace${inCluster(options)}`);
  return records;
}

/** The source of that name: of the cluster given, else of the first cluster that has it (the fleet's bootstrap `*` last). */
async function sourceNamed(store: StatusStore, name: string, options: ControlOptions): Promise<SourceStatus> {
  const records = (await store.listSources()).filter(
    (r) => r.namespace === options.namespace && r.name === name && (options.cluster === undefined || r.cluster === options.cluster),
  );
  const record = records.find((r) => r.cluster !== '*') ?? records[0];
  if (!record) throw new ControlError(`GitRepository ${name} not found in ${options.namespace} namespace${inCluster(options)}`);
  return record;
}

function reconcileRequest(
  io: CliIo,
  object: { kind: 'Kustomization' | 'GitRepository'; namespace: string; name: string },
  cluster: string | undefined,
  withSource: boolean,
  requestedAt: string,
): CatalogEvent {
  return makeEvent('ReconcileRequested', {
    version: CATALOG_VERSION,
    eventId: randomUUID(),
    correlationId: `cli-${randomUUID()}`,
    occurredAt: requestedAt,
    object,
    ...(cluster ? { cluster } : {}),
    withSource,
    requestedAt,
  });
}

async function publish(bus: EventBus, events: CatalogEvent[]): Promise<void> {
  const result = await bus.publish(events);
  if (result.failed.length > 0) throw new ControlError(`the bus refused the request: ${result.failed.map((f) => f.reason).join('; ')}`);
}

/** Polls `check` until it answers an outcome or `deadline` (of the io clock) passes. */
async function waitUntil<T>(io: CliIo, deadline: number, check: () => Promise<T | undefined>): Promise<T | 'timeout'> {
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (io.clock.now() >= deadline) return 'timeout';
    await io.clock.sleep(Math.min(POLL_MS, Math.max(1, deadline - io.clock.now())));
  }
}

function after(time: string | undefined, requestedAt: string): boolean {
  return time !== undefined && Date.parse(time) >= Date.parse(requestedAt);
}

/**
 * Whether the pipeline has finished an attempt of the Kustomization made after the request:
 * failed once Ready is False from such an attempt, succeeded once it applied after the request.
 * A render that succeeded leaves Ready as it was until apply reports, so that alone is not done.
 */
export function kustomizationOutcome(record: KustomizationStatus | undefined, requestedAt: string): 'ok' | 'failed' | undefined {
  if (!record || !after(record.lastAttemptedAt, requestedAt) || record.ready.status === 'Unknown') return undefined;
  if (record.ready.status === 'False') return 'failed';
  return after(record.lastAppliedAt, requestedAt) ? 'ok' : undefined;
}

/** Whether the source has been reconciled after the request (status written with a settled Ready). */
export function sourceOutcome(record: SourceStatus | undefined, requestedAt: string): 'ok' | 'failed' | undefined {
  if (!record || !after(record.updatedAt, requestedAt) || record.ready.status === 'Unknown') return undefined;
  return record.ready.status === 'True' ? 'ok' : 'failed';
}

async function waitForSource(io: CliIo, store: StatusStore, key: SourceKey, requestedAt: string, deadline: number, options: ControlOptions): Promise<Outcome> {
  io.stderr.write('◎ waiting for GitRepository reconciliation\n');
  const outcome = await waitUntil(io, deadline, async () => {
    const record = await store.getSource(key);
    const result = sourceOutcome(record, requestedAt);
    return result && record ? { result, record } : undefined;
  });
  if (outcome === 'timeout') {
    io.stderr.write(`✗ timed out after ${options.timeout} waiting for GitRepository ${key.name} reconciliation\n`);
    return 'timeout';
  }
  io.stderr.write(outcome.result === 'ok' ? `✔ fetched revision ${outcome.record.revision ?? ''}\n` : `✗ ${outcome.record.ready.message}\n`);
  return outcome.result;
}

async function waitForKustomizations(
  io: CliIo,
  store: StatusStore,
  keys: KustomizationKey[],
  requestedAt: string,
  deadline: number,
  options: ControlOptions,
  completedLine: boolean,
): Promise<Outcome[]> {
  io.stderr.write('◎ waiting for Kustomization reconciliation\n');
  const several = keys.length > 1;
  return Promise.all(
    keys.map(async (key) => {
      const prefix = several ? `${key.cluster}: ` : '';
      const outcome = await waitUntil(io, deadline, async () => {
        const record = await store.getKustomization(key);
        const result = kustomizationOutcome(record, requestedAt);
        return result && record ? { result, record } : undefined;
      });
      if (outcome === 'timeout') {
        io.stderr.write(`✗ ${prefix}timed out after ${options.timeout} waiting for Kustomization ${key.name} reconciliation\n`);
        return 'timeout' as const;
      }
      if (outcome.result === 'failed') {
        io.stderr.write(`✗ ${prefix}${outcome.record.ready.message}\n`);
        return 'failed' as const;
      }
      if (completedLine) io.stderr.write(`✔ ${prefix}Kustomization ${key.name} reconciliation completed\n`);
      io.stderr.write(`✔ ${prefix}applied revision ${outcome.record.lastAppliedRevision ?? ''}\n`);
      return 'ok' as const;
    }),
  );
}

function exitCodeOf(outcomes: Outcome[]): number {
  if (outcomes.includes('timeout')) return EXIT.error;
  return outcomes.includes('failed') ? EXIT.failed : EXIT.ok;
}

function keyOf(record: KustomizationKey): KustomizationKey {
  return { cluster: record.cluster, namespace: record.namespace, name: record.name };
}

/** `reconcile kustomization <name>`; resolves to the exit code. */
export async function reconcileKustomization(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const limit = timeoutMs(options);
  const store = await openStatusStore(options, io);
  const records = await kustomizationsNamed(store, name, options);
  const suspended = records.filter((record) => record.suspended);
  if (suspended.length > 0)
    throw new ControlError(`Kustomization ${name}${inCluster(options, suspended[0])} is suspended: resume it first (tideline resume kustomization ${name})`);
  const { bus } = await openControlBus(options, io);
  const sources = options.withSource
    ? [...new Map(records.flatMap((r) => (r.source ? [[`${r.source.namespace}/${r.source.name}`, r.source] as const] : []))).values()]
    : [];
  for (const source of sources) {
    io.stderr.write(`► annotating GitRepository ${source.name} in ${source.namespace} namespace\n`);
    io.stderr.write('✔ GitRepository annotated\n');
  }
  const requestedAt = new Date(io.clock.now()).toISOString();
  for (const record of records)
    io.stderr.write(`► annotating Kustomization ${name} in ${options.namespace} namespace${inCluster(options, records.length > 1 ? record : undefined)}\n`);
  await publish(
    bus,
    records.map((record) =>
      reconcileRequest(io, { kind: 'Kustomization', namespace: record.namespace, name }, record.cluster, options.withSource === true, requestedAt),
    ),
  );
  io.stderr.write('✔ Kustomization annotated\n');
  const deadline = io.clock.now() + limit;
  for (const source of sources) {
    const outcome = await waitForSource(io, store, source, requestedAt, deadline, options);
    if (outcome !== 'ok') return exitCodeOf([outcome]);
  }
  return exitCodeOf(await waitForKustomizations(io, store, records.map(keyOf), requestedAt, deadline, options, false));
}

/** `reconcile source git <name>`; resolves to the exit code. */
export async function reconcileSource(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const limit = timeoutMs(options);
  const store = await openStatusStore(options, io);
  const record = await sourceNamed(store, name, options);
  if (record.suspended) throw new ControlError(`GitRepository ${name} is suspended: resume it first (tideline resume source git ${name})`);
  const { bus } = await openControlBus(options, io);
  io.stderr.write(`► annotating GitRepository ${name} in ${options.namespace} namespace\n`);
  const requestedAt = new Date(io.clock.now()).toISOString();
  await publish(bus, [reconcileRequest(io, { kind: 'GitRepository', namespace: options.namespace, name }, options.cluster, false, requestedAt)]);
  io.stderr.write('✔ GitRepository annotated\n');
  return exitCodeOf([await waitForSource(io, store, record, requestedAt, io.clock.now() + limit, options)]);
}

/** `suspend kustomization <name>`: sets `suspended` on every matching record. */
export async function suspendKustomization(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const store = await openStatusStore(options, io);
  const records = await kustomizationsNamed(store, name, options);
  for (const record of records) {
    io.stderr.write(`► suspending Kustomization ${name} in ${options.namespace} namespace${inCluster(options, records.length > 1 ? record : undefined)}\n`);
    await store.updateKustomization(keyOf(record), { suspended: true });
  }
  io.stderr.write('✔ Kustomization suspended\n');
  return EXIT.ok;
}

/** `suspend source git <name>`. */
export async function suspendSource(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const store = await openStatusStore(options, io);
  const record = await sourceNamed(store, name, options);
  io.stderr.write(`► suspending GitRepository ${name} in ${options.namespace} namespace\n`);
  await store.updateSource(record, { suspended: true });
  io.stderr.write('✔ GitRepository suspended\n');
  return EXIT.ok;
}

/** `resume kustomization <name>`: clears `suspended`, then reconciles and waits, as `flux resume`. */
export async function resumeKustomization(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const limit = timeoutMs(options);
  const store = await openStatusStore(options, io);
  const records = await kustomizationsNamed(store, name, options);
  const { bus } = await openControlBus(options, io);
  for (const record of records) {
    io.stderr.write(`► resuming Kustomization ${name} in ${options.namespace} namespace${inCluster(options, records.length > 1 ? record : undefined)}\n`);
    await store.updateKustomization(keyOf(record), { suspended: false });
  }
  io.stderr.write('✔ Kustomization resumed\n');
  const requestedAt = new Date(io.clock.now()).toISOString();
  await publish(
    bus,
    records.map((record) => reconcileRequest(io, { kind: 'Kustomization', namespace: record.namespace, name }, record.cluster, false, requestedAt)),
  );
  return exitCodeOf(await waitForKustomizations(io, store, records.map(keyOf), requestedAt, io.clock.now() + limit, options, true));
}

/** `resume source git <name>`. */
export async function resumeSource(name: string, options: ControlOptions, io: CliIo): Promise<number> {
  const limit = timeoutMs(options);
  const store = await openStatusStore(options, io);
  const record = await sourceNamed(store, name, options);
  const { bus } = await openControlBus(options, io);
  io.stderr.write(`► resuming GitRepository ${name} in ${options.namespace} namespace\n`);
  await store.updateSource(record, { suspended: false });
  io.stderr.write('✔ GitRepository resumed\n');
  const requestedAt = new Date(io.clock.now()).toISOString();
  await publish(bus, [reconcileRequest(io, { kind: 'GitRepository', namespace: options.namespace, name }, options.cluster, false, requestedAt)]);
  return exitCodeOf([await waitForSource(io, store, record, requestedAt, io.clock.now() + limit, options)]);
}

type Action = (name: string, options: ControlOptions, io: CliIo) => Promise<number>;

/** Runs an action, printing a fatal error Flux-style (`✗ …`) with exit code 2. */
function runner(io: CliIo, action: Action): (name: string, options: ControlOptions) => Promise<void> {
  return async (name, options) => {
    try {
      io.setExitCode(await action(name, options, io));
    } catch (error) {
      io.stderr.write(`✗ ${errorMessage(error)}\n`);
      io.setExitCode(EXIT.error);
    }
  };
}

function withControlOptions(command: Command): Command {
  return withBusOptions(
    command
      .option('--cluster <name>', 'only in this cluster (default: every cluster that has it)')
      .option('-n, --namespace <ns>', 'the namespace of the object', 'flux-system'),
  );
}

function registerVerb(
  program: Command,
  verb: string,
  description: string,
  actions: { kustomization: Action; source: Action },
  io: CliIo,
  extra: (command: Command, kustomization: boolean) => Command,
): void {
  const command = program.command(verb).description(description);
  extra(
    withControlOptions(command.command('kustomization').aliases(['ks']).argument('<name>', 'the Kustomization').description(`${verb} a Kustomization`)),
    true,
  ).action(runner(io, actions.kustomization));
  const source = command.command('source').description(`${verb} a source`);
  extra(withControlOptions(source.command('git').argument('<name>', 'the GitRepository').description(`${verb} a GitRepository`)), false).action(
    runner(io, actions.source),
  );
}

const noExtra = (command: Command): Command => command;
const withTimeout = (command: Command): Command => command.option('--timeout <duration>', 'how long to wait for the reconciliation', '5m');

const reconcileExtra = (command: Command, kustomization: boolean): Command =>
  kustomization ? withTimeout(command).option('--with-source', 'reconcile the source first') : withTimeout(command);

/** What each control verb says of itself, runs, and adds to its commands' options. */
const CONTROL_VERBS = {
  reconcile: {
    description: 'request a reconciliation now and wait for it, as flux reconcile does',
    actions: { kustomization: reconcileKustomization, source: reconcileSource },
    extra: reconcileExtra,
  },
  suspend: {
    description: 'stop reconciling an object until it is resumed',
    actions: { kustomization: suspendKustomization, source: suspendSource },
    extra: noExtra,
  },
  resume: {
    description: 'resume a suspended object and wait for its reconciliation',
    actions: { kustomization: resumeKustomization, source: resumeSource },
    extra: withTimeout,
  },
} as const;

/** A verb's `register…` function: it adds the verb to a program, with the process's `io` unless a test passes its own. */
function verbRegistrar(verb: keyof typeof CONTROL_VERBS): (program: Command, io?: CliIo) => void {
  const { description, actions, extra } = CONTROL_VERBS[verb];
  return (program, io = processIo()) => registerVerb(program, verb, description, actions, io, extra);
}

/** Registers `reconcile`. */
export const registerReconcile = verbRegistrar('reconcile');

/** Registers `suspend`. */
export const registerSuspend = verbRegistrar('suspend');

/** Registers `resume`. */
export const registerResume = verbRegistrar('resume');
