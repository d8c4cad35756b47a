/**
 * The fleet snapshot in the artifact store: the configuration (Kustomizations, GitRepositories,
 * Alerts, Providers, Receivers) of every cluster as the last renders found it. Intake, alerts and
 * the schedule read it, so a commit changes them with no redeploy. Updates are serialised within
 * a process; the copy in memory is reused while its stored version is unchanged.
 */
import { NotFoundError } from '#shared/errors/index.ts';
import { createFleetSnapshot, parseFleetSnapshot, type FleetSnapshot } from '#shared/fleet/index.ts';
import type { ArtifactStore } from '#shared/ports/index.ts';

/** Where the snapshot is kept in the artifact store. */
export const FLEET_SNAPSHOT_KEY = 'fleet/snapshot.json';

export class FleetStore {
  readonly #artifacts: ArtifactStore;
  #cached: FleetSnapshot | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(artifacts: ArtifactStore) {
    this.#artifacts = artifacts;
  }

  /** The latest snapshot (an empty one before the first render). */
  async load(): Promise<FleetSnapshot> {
    if (this.#cached) return this.#cached;
    try {
      this.#cached = parseFleetSnapshot(JSON.parse(Buffer.from(await this.#artifacts.get(FLEET_SNAPSHOT_KEY)).toString('utf8')), FLEET_SNAPSHOT_KEY);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      this.#cached = createFleetSnapshot([]);
    }
    return this.#cached;
  }

  /** Forgets the copy in memory, so the next load reads the store (another process may have written it). */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** Runs `change` on the latest snapshot, one change at a time, and stores what it returns. */
  update<T>(change: (snapshot: FleetSnapshot) => { snapshot: FleetSnapshot; result: T } | Promise<{ snapshot: FleetSnapshot; result: T }>): Promise<T> {
    const run = this.#queue.then(async () => {
      const { snapshot, result } = await change(await this.load());
      if (snapshot !== this.#cached) {
        await this.#artifacts.put(FLEET_SNAPSHOT_KEY, Buffer.from(JSON.stringify(snapshot)), 'application/json');
        this.#cached = snapshot;
      }
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
