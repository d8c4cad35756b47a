/**
 * The fleet snapshot in the artifact store: the configuration (Kustomizations, GitRepositories,
 * Alerts, Providers, Receivers) of every cluster as the last renders found it. Intake, alerts and
 * the schedule read it, so a commit changes them with no redeploy.
 *
 * Render invocations update it side by side (a push to a large fleet renders in shards), so every
 * update is a compare-and-swap: the change is applied to the version read and stored only if no
 * other writer stored one since; otherwise it is applied again to the newer version. Changes are
 * pure functions of the snapshot (see `recordRender`), so running one twice is safe.
 */
import { ConflictError } from '#shared/errors/index.ts';
import { createFleetSnapshot, parseFleetSnapshot, type FleetSnapshot } from '#shared/fleet/snapshot.ts';
import type { ArtifactStore } from '#shared/ports/index.ts';

/** Where the snapshot is kept in the artifact store. */
export const FLEET_SNAPSHOT_KEY = 'fleet/snapshot.json';

/** Attempts of one update against writers that keep winning the race. */
const MAX_ATTEMPTS = 20;

export class FleetStore {
  readonly #artifacts: ArtifactStore;
  #cached: { snapshot: FleetSnapshot; version: string | undefined } | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(artifacts: ArtifactStore) {
    this.#artifacts = artifacts;
  }

  async #read(): Promise<{ snapshot: FleetSnapshot; version: string | undefined }> {
    const stored = await this.#artifacts.getVersioned(FLEET_SNAPSHOT_KEY);
    this.#cached = stored
      ? { snapshot: parseFleetSnapshot(JSON.parse(Buffer.from(stored.body).toString('utf8')), FLEET_SNAPSHOT_KEY), version: stored.version }
      : { snapshot: createFleetSnapshot([]), version: undefined };
    return this.#cached;
  }

  /** The latest snapshot this process knows (an empty one before the first render). */
  async load(): Promise<FleetSnapshot> {
    return (this.#cached ?? (await this.#read())).snapshot;
  }

  /** Forgets the copy in memory, so the next load reads the store (another process may have written it). */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** Runs `change` on the latest snapshot and stores what it returns, one change at a time in this process. */
  update<T>(change: (snapshot: FleetSnapshot) => { snapshot: FleetSnapshot; result: T } | Promise<{ snapshot: FleetSnapshot; result: T }>): Promise<T> {
    const run = this.#queue.then(async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.#cached ?? (await this.#read());
        const { snapshot, result } = await change(current.snapshot);
        if (snapshot === current.snapshot) return result;
        try {
          const version = await this.#artifacts.putIfUnchanged(FLEET_SNAPSHOT_KEY, Buffer.from(JSON.stringify(snapshot)), current.version, 'application/json');
          this.#cached = { snapshot, version };
          return result;
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
          await this.#read(); // another writer stored a newer snapshot: apply the change to that one
        }
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
