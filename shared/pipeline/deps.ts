/**
 * What the pipeline's engines (source, render, apply) need from the outside, as ports only: the
 * functions wire AWS adapters into it, local mode the local ones. Nothing here imports an SDK.
 */
import { randomUUID } from 'node:crypto';
import type { FluxGitRepository } from '#shared/config/git-repository.ts';
import { makeEvent, type CatalogEvent, type DetailType, type EventDetail } from '#shared/events/catalog.ts';
import type { ConnectionOptions } from '#shared/kube/index.ts';
import type {
  ArtifactStore,
  Clock,
  ClusterRegistry,
  EventBus,
  GitSource,
  KmsDecrypter,
  KustomizationKey,
  Logger,
  SecretStore,
  StatusStore,
} from '#shared/ports/index.ts';
import type { ClusterClients } from './clusters.ts';
import type { FleetStore } from './fleet-store.ts';

export interface PipelineDeps {
  bus: EventBus;
  git: GitSource;
  artifacts: ArtifactStore;
  status: StatusStore;
  secrets: SecretStore;
  clusters: ClusterRegistry;
  fleet: FleetStore;
  /** Clients of the registry's clusters, reused while warm. */
  kube: ClusterClients;
  clock: Clock;
  logger: Logger;
  /** The fleet repository every cluster's root follows unless its `flux-system` says otherwise (deploy-time bootstrap). */
  bootstrap: FluxGitRepository;
  /**
   * Unwraps the data keys of SOPS files that AWS KMS keys wrap, with the render function's own role
   * (as Flux's kustomize-controller uses its own credentials). Absent locally: age identities only.
   */
  kms?: KmsDecrypter;
  /** How cluster credentials may be used (exec allow-list, insecure clusters). */
  connection?: ConnectionOptions;
  /** Targets one render invocation takes at most; more fan out as RenderRequested shards (default 25). */
  shardSize?: number;
}

/** What the source engine (push intake, source sync, the periodic schedule) uses: no cluster, no KMS. */
export type SourceDeps = Pick<PipelineDeps, 'bus' | 'git' | 'status' | 'secrets' | 'fleet' | 'clock' | 'logger' | 'bootstrap'>;

/** What the render engine uses: the sources, the clusters (postBuild `substituteFrom`, SOPS keys, finalizers) and KMS. */
export type RenderDeps = Pick<
  PipelineDeps,
  'bus' | 'git' | 'artifacts' | 'status' | 'secrets' | 'fleet' | 'kube' | 'clock' | 'logger' | 'bootstrap' | 'kms' | 'shardSize'
>;

/** What the apply engine uses: bundles, status and the clusters; no Git, no secrets, no KMS. */
export type ApplyDeps = Pick<PipelineDeps, 'bus' | 'artifacts' | 'status' | 'fleet' | 'kube' | 'clock' | 'logger' | 'bootstrap'>;

/** The envelope fields of a new event: a fresh id, the correlation id it continues, the time. */
export function envelope(clock: Clock, correlationId: string): { version: 1; eventId: string; correlationId: string; occurredAt: string } {
  return { version: 1, eventId: randomUUID(), correlationId, occurredAt: new Date(clock.now()).toISOString() };
}

/** An ISO time stamp of the clock's now. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** An event's detail without the envelope fields that {@link envelope} fills in. */
export type EventBody<T extends DetailType> = Omit<EventDetail<T>, 'version' | 'eventId' | 'correlationId' | 'occurredAt'>;

/**
 * Publishes one event of `detailType` per body, each in an envelope of its own (fresh id, now)
 * continuing `correlationId`, in one call to the bus: a fan-out is one batch, not one call an event.
 */
export async function publishEach<T extends DetailType>(
  deps: Pick<PipelineDeps, 'bus' | 'clock'>,
  detailType: T,
  correlationId: string,
  bodies: readonly EventBody<T>[],
): Promise<void> {
  // A generic body spread into its envelope is beyond the compiler; makeEvent validates each detail against the catalog's schema.
  const events = bodies.map((body) => makeEvent(detailType, { ...envelope(deps.clock, correlationId), ...body } as EventDetail<T>));
  await deps.bus.publish(events as readonly CatalogEvent[]);
}

/** The request to reconcile Kustomization `key` again at the source revision it last fetched (no source sync). */
export function kustomizationReconcileRequest(key: KustomizationKey, clock: Clock): EventBody<'ReconcileRequested'> {
  return { object: { kind: 'Kustomization', name: key.name, namespace: key.namespace }, cluster: key.cluster, withSource: false, requestedAt: isoNow(clock) };
}
