/**
 * {@link ArtifactStore} over a local directory, for local mode: each key is a relative path under
 * the directory (`bundles/sha256/<hex>.yaml`).
 *
 * Writes go to a temporary file in the same folder and are renamed into place, so a reader (the
 * apply step, another process) sees either nothing or the whole bundle, never half of one. Keys
 * are refused when they could leave the directory (`..`, an absolute path), since a key may come
 * from an event.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError, TransientError } from '#shared/errors/index.ts';
import type { ArtifactStore } from '#shared/ports/index.ts';

/** Artifacts as files under one directory. */
export class FsArtifactStore implements ArtifactStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
  }

  /** Writes the bytes atomically (temporary file, then rename); the same key twice is fine. */
  async put(key: string, body: Uint8Array, _contentType?: string): Promise<void> {
    const file = this.#pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temporary, body);
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** The bytes under `key`; NotFoundError naming the key when there are none. */
  async get(key: string): Promise<Uint8Array> {
    const file = this.#pathOf(key);
    try {
      return new Uint8Array(await readFile(file));
    } catch (error) {
      if (isMissing(error)) throw new NotFoundError(`artifact ${key}: not found in ${this.#dir}`, { cause: error });
      throw error;
    }
  }

  /** True when a file is stored under `key`. */
  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.#pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  /** The bytes under `key` and the sha256 of them as the version; undefined when absent. */
  async getVersioned(key: string): Promise<{ body: Uint8Array; version: string } | undefined> {
    try {
      const body = new Uint8Array(await readFile(this.#pathOf(key)));
      return { body, version: versionOf(body) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Compare-and-swap under a lock file, so writers in several processes cannot interleave. */
  async putIfUnchanged(key: string, body: Uint8Array, version: string | undefined, contentType?: string): Promise<string> {
    const file = this.#pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    const lock = `${file}.lock`;
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await (await open(lock, 'wx')).close();
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
        // A lock older than the deadline belongs to a writer that died.
        const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
        if (age > 10_000) await rm(lock, { force: true });
        else if (Date.now() > deadline) throw new TransientError(`artifact ${key}: another writer holds ${lock}`);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    try {
      const current = await this.getVersioned(key);
      if (current?.version !== version) throw new ConflictError(`artifact ${key} was changed by another writer`);
      await this.put(key, body, contentType);
      return versionOf(body);
    } finally {
      await rm(lock, { force: true });
    }
  }

  #pathOf(key: string): string {
    if (key === '' || key.includes('\0') || key.includes('\\') || key.startsWith('/') || /^[A-Za-z]:/.test(key)) {
      throw new InvalidInputError(`artifact key ${JSON.stringify(key)}: must be a relative path`);
    }
    const segments = key.split('/');
    if (segments.some((segment) => segment === '..' || segment === '.' || segment === '')) {
      throw new InvalidInputError(`artifact key ${JSON.stringify(key)}: must not contain empty, "." or ".." segments`);
    }
    const file = join(this.#dir, ...segments);
    // Defence in depth: whatever the checks above missed, the path must stay under the directory.
    if (!file.startsWith(this.#dir + sep)) throw new InvalidInputError(`artifact key ${JSON.stringify(key)}: resolves outside ${this.#dir}`);
    return file;
  }
}

function versionOf(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
