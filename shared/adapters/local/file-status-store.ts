/**
 * {@link StatusStore} in one JSON file, for local mode: `tideline dev` writes it, and the status
 * commands (`tideline get`, `suspend`, `resume`) read and write it from another process.
 *
 * Every write replaces the file by rename, so a reader sees the old or the new document, never a
 * torn one. Updates are read-merge-write: within the process they run one after another, and
 * across processes they hold a lock file for the few milliseconds that takes, so the pipeline and
 * a `tideline suspend` never lose each other's fields. Reads take no lock and always read the
 * file, so a long-running process sees what another wrote.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidInputError, TransientError } from '#shared/errors/index.ts';
import type {
  Clock,
  KustomizationKey,
  KustomizationStatus,
  KustomizationStatusUpdate,
  SourceKey,
  SourceStatus,
  SourceStatusUpdate,
  StatusStore,
} from '#shared/ports/index.ts';
import { systemClock } from '#shared/ports/index.ts';
import { compareKustomizations, compareSources, kustomizationId, mergeKustomization, mergeSource, sourceId } from '#shared/adapters/status-records.ts';

/** The file's document. */
interface StatusDocument {
  version: 1;
  kustomizations: Record<string, KustomizationStatus>;
  sources: Record<string, SourceStatus>;
}

/** A lock older than this was left by a process that died mid-update; updates take milliseconds. */
const STALE_LOCK_MS = 10_000;
/** How long an update waits for another process's lock before giving up with a TransientError. */
const LOCK_WAIT_MS = 5_000;

export interface FileStatusStoreOptions {
  clock?: Clock;
}

/** Reconcile status kept in a JSON file. */
export class FileStatusStore implements StatusStore {
  readonly #file: string;
  readonly #clock: Clock;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: FileStatusStoreOptions = {}) {
    this.#file = file;
    this.#clock = options.clock ?? systemClock;
  }

  /** Merges `update` into the Kustomization's record (creating it) and returns the result. */
  updateKustomization(key: KustomizationKey, update: KustomizationStatusUpdate): Promise<KustomizationStatus> {
    return this.#upsert(
      (document) => document.kustomizations,
      kustomizationId(key),
      (previous, now) => mergeKustomization(previous, key, update, now),
    );
  }

  async getKustomization(key: KustomizationKey): Promise<KustomizationStatus | undefined> {
    return (await this.#read()).kustomizations[kustomizationId(key)];
  }

  async listKustomizations(filter: { cluster?: string } = {}): Promise<KustomizationStatus[]> {
    const records = Object.values((await this.#read()).kustomizations);
    return records.filter((record) => filter.cluster === undefined || record.cluster === filter.cluster).sort(compareKustomizations);
  }

  /** Merges `update` into the source's record (creating it) and returns the result. */
  updateSource(key: SourceKey, update: SourceStatusUpdate): Promise<SourceStatus> {
    return this.#upsert(
      (document) => document.sources,
      sourceId(key),
      (previous, now) => mergeSource(previous, key, update, now),
    );
  }

  async getSource(key: SourceKey): Promise<SourceStatus | undefined> {
    return (await this.#read()).sources[sourceId(key)];
  }

  async listSources(): Promise<SourceStatus[]> {
    return Object.values((await this.#read()).sources).sort(compareSources);
  }

  /** Replaces record `id` of the collection `recordsOf` picks by `merge` of its previous value (if any), under the update lock. */
  #upsert<T>(recordsOf: (document: StatusDocument) => Record<string, T>, id: string, merge: (previous: T | undefined, now: string) => T): Promise<T> {
    return this.#update((document, now) => {
      const records = recordsOf(document);
      const record = merge(records[id], now);
      records[id] = record;
      return record;
    });
  }

  #update<T>(change: (document: StatusDocument, now: string) => T): Promise<T> {
    const run = this.#queue.then(() =>
      this.#withLock(async () => {
        const document = await this.#read();
        const result = change(document, new Date(this.#clock.now()).toISOString());
        await this.#write(document);
        return result;
      }),
    );
    // The chain must survive a failed update, or one error would stall every later one.
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(): Promise<StatusDocument> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return { version: 1, kustomizations: {}, sources: {} };
      throw error;
    }
    let parsed: Partial<StatusDocument>;
    try {
      parsed = JSON.parse(text) as Partial<StatusDocument>;
    } catch (cause) {
      throw new InvalidInputError('not a JSON status file (delete it to start afresh)', { source: { file: this.#file }, cause });
    }
    if (typeof parsed !== 'object' || parsed === null || parsed.version !== 1) {
      throw new InvalidInputError('not a Tideline status file of version 1', { source: { file: this.#file } });
    }
    return { version: 1, kustomizations: parsed.kustomizations ?? {}, sources: parsed.sources ?? {} };
  }

  async #write(document: StatusDocument): Promise<void> {
    const temporary = `${this.#file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`);
      await rename(temporary, this.#file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Runs `work` holding `<file>.lock` (created exclusively), waiting briefly for another holder. */
  async #withLock<T>(work: () => Promise<T>): Promise<T> {
    const lock = `${this.#file}.lock`;
    await mkdir(dirname(this.#file), { recursive: true });
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
      }
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new TransientError(`status file ${this.#file}: locked by another process (${lock})`);
      // Lock waits use real time: the lock is held by another process, whose time no test injects.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }
}
