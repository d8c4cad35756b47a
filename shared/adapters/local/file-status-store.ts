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
import { systemClock, type Clock, type KustomizationStatus, type SourceStatus, type StatusStore } from '#shared/ports/index.ts';
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

/**
 * One kind of record the document holds: where its records are, a record's id, and how an update
 * merges into it. Kustomizations and sources differ only in these, so every verb serves both.
 */
interface RecordKind<Key, Status> {
  recordsOf(document: StatusDocument): Record<string, Status>;
  id(key: Key): string;
  merge(existing: Status | undefined, key: Key, update: object, now: string): Status;
}

const KUSTOMIZATIONS = { recordsOf: (document: StatusDocument) => document.kustomizations, id: kustomizationId, merge: mergeKustomization };
const SOURCES = { recordsOf: (document: StatusDocument) => document.sources, id: sourceId, merge: mergeSource };

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

  // Typed by the port itself, so the signatures are written once, in shared/ports/.
  /** Merges `update` into the Kustomization's record (creating it) and returns the result. */
  readonly updateKustomization: StatusStore['updateKustomization'] = (key, update) => this.#upsert(KUSTOMIZATIONS, key, update);
  readonly getKustomization: StatusStore['getKustomization'] = (key) => this.#get(KUSTOMIZATIONS, key);
  readonly listKustomizations: StatusStore['listKustomizations'] = async (filter = {}) =>
    (await this.#all(KUSTOMIZATIONS)).filter((record) => filter.cluster === undefined || record.cluster === filter.cluster).sort(compareKustomizations);

  /** Merges `update` into the source's record (creating it) and returns the result. */
  readonly updateSource: StatusStore['updateSource'] = (key, update) => this.#upsert(SOURCES, key, update);
  readonly getSource: StatusStore['getSource'] = (key) => this.#get(SOURCES, key);
  readonly listSources: StatusStore['listSources'] = async () => (await this.#all(SOURCES)).sort(compareSources);

  /** Replaces the record of `key` by the merge of `update` into its previous value (if any), under the update lock. */
  #upsert<Key, Status>(kind: RecordKind<Key, Status>, key: Key, update: object): Promise<Status> {
    return this.#update((document, now) => {
      const records = kind.recordsOf(document);
      const id = kind.id(key);
      const record = kind.merge(records[id], key, update, now);
      records[id] = record;
      return record;
    });
  }

  async #get<Key, Status>(kind: RecordKind<Key, Status>, key: Key): Promise<Status | undefined> {
    return kind.recordsOf(await this.#read())[kind.id(key)];
  }

  async #all<Key, Status>(kind: RecordKind<Key, Status>): Promise<Status[]> {
    return Object.values(kind.recordsOf(await this.#read()));
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
