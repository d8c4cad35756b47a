/**
 * SOPS-encrypted inputs of a build, decrypted as Flux's kustomize-controller decrypts them:
 *
 * - before the build, the files `secretGenerator` entries read (`files`, `envs`) and the files of
 *   `patches` with a local `path`, in every kustomization reachable through local `resources` and
 *   `components` directories — Flux rewrites them in the checkout; Tideline puts the plaintext in
 *   the file system's in-memory overlay, so the build reads it and the checkout stays untouched;
 * - after the build, each `data` entry of a Secret that holds a whole encrypted file.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import { isMap, isScalar, isSeq } from 'yaml';
import { InvalidInputError } from '#shared/errors/index.ts';
import { scalarText } from '../yaml/go-value.ts';
import { findKustomizationFile, isRemote, readKustomization, type BuildContext, type Kustomization } from '../kustomize.ts';
import { type Resource, getNode, getString, mapGet, stringScalar } from '../resource.ts';
import { detectSopsFormat, hasSopsMarker, sopsFormatForPath, type SopsFileFormat } from './formats.ts';
import type { SopsDecryptor } from './decryptor.ts';

/** Flux refuses to decrypt a generator input larger than this (its `maxEncryptedFileSize`). */
export const MAX_ENCRYPTED_FILE_BYTES = 5 * 1024 * 1024;

function stringList(node: unknown): string[] {
  if (!isSeq(node)) return [];
  return node.items.map((item) => (isScalar(item) ? (scalarText(item) ?? '') : '')).filter((item) => item !== '');
}

/**
 * A local file a kustomization names, or undefined when it is remote, outside the root or
 * missing: Flux skips those here, and the build itself then reports them.
 */
async function localFile(ctx: BuildContext, fromDir: string, ref: string, referencedFrom: string): Promise<string | undefined> {
  if (ref === '' || isRemote(ref) || path.isAbsolute(ref)) return undefined;
  let absolute: string;
  try {
    absolute = await ctx.fs.resolve(fromDir, ref, referencedFrom);
  } catch (error) {
    if (error instanceof InvalidInputError) return undefined;
    throw error;
  }
  try {
    return statSync(absolute).isFile() ? absolute : undefined;
  } catch {
    return undefined;
  }
}

async function decryptInput(ctx: BuildContext, decryptor: SopsDecryptor, absolute: string, format: SopsFileFormat): Promise<void> {
  if (ctx.fs.overlay.has(absolute)) return;
  const display = ctx.fs.display(absolute);
  const size = statSync(absolute).size;
  if (size > MAX_ENCRYPTED_FILE_BYTES) {
    throw new InvalidInputError(`cannot decrypt a file of ${size} bytes: over the ${MAX_ENCRYPTED_FILE_BYTES}-byte limit for sops-encrypted inputs`, {
      source: { file: display },
    });
  }
  const bytes = await ctx.fs.read(absolute);
  if (!hasSopsMarker(bytes, format)) return;
  const plaintext = await decryptor.decryptFile(bytes, format, format, { where: display, file: display });
  ctx.fs.overlay.set(absolute, plaintext);
}

async function decryptKustomizationInputs(ctx: BuildContext, decryptor: SopsDecryptor, k: Kustomization, visited: Set<string>): Promise<void> {
  if (visited.has(k.dir)) return;
  visited.add(k.dir);
  const generators = mapGet(k.body, 'secretGenerator');
  for (const generator of isSeq(generators) ? generators.items : []) {
    if (!isMap(generator)) continue;
    for (const spec of stringList(mapGet(generator, 'files'))) {
      const eq = spec.indexOf('=');
      const key = eq >= 0 ? spec.slice(0, eq) : spec;
      const file = await localFile(ctx, k.dir, eq >= 0 ? spec.slice(eq + 1) : spec, k.file);
      if (file) await decryptInput(ctx, decryptor, file, sopsFormatForPath(key));
    }
    // Only `envs`: Flux reads the kustomization without kustomize's fix-ups, so the deprecated
    // singular `env` is not decrypted there either.
    for (const ref of stringList(mapGet(generator, 'envs'))) {
      const file = await localFile(ctx, k.dir, ref, k.file);
      const format = sopsFormatForPath(ref);
      if (file) await decryptInput(ctx, decryptor, file, format === 'binary' ? 'dotenv' : format);
    }
  }
  const patches = mapGet(k.body, 'patches');
  for (const patch of isSeq(patches) ? patches.items : []) {
    const ref = isMap(patch) ? getString(patch, ['path']) : undefined;
    if (!ref) continue;
    const file = await localFile(ctx, k.dir, ref, k.file);
    if (file) await decryptInput(ctx, decryptor, file, sopsFormatForPath(ref));
  }
  for (const ref of [...stringList(mapGet(k.body, 'resources')), ...stringList(mapGet(k.body, 'components'))]) {
    if (isRemote(ref) || path.isAbsolute(ref)) continue;
    const dir = path.resolve(k.dir, ref);
    const rel = path.relative(ctx.fs.root, dir);
    if (rel.startsWith('..') || path.isAbsolute(rel) || !(await ctx.fs.isDirectory(dir))) continue;
    const file = await findKustomizationFile(ctx, dir);
    if (file) await decryptKustomizationInputs(ctx, decryptor, await readKustomization(ctx, file), visited);
  }
}

/**
 * Decrypts the sops-encrypted generator and patch files reachable from the kustomization `k`
 * into the file system's overlay, before the build reads them (Flux's `DecryptSources`). Each
 * file is decrypted when it carries the marker of the format its name gives, into that same
 * format; other files are left as they are.
 */
export async function decryptGeneratorInputs(ctx: BuildContext, k: Kustomization, decryptor: SopsDecryptor): Promise<void> {
  await decryptKustomizationInputs(ctx, decryptor, k, new Set());
}

// Go's StdEncoding (what Flux decodes with) skips line breaks and accepts nothing else.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decrypts the `data` entries of a built Secret that hold a whole sops-encrypted file (a
 * generator filled them from one), as Flux does after its build: the input format from the
 * marker the file holds, the plaintext written in the format the data key's extension names.
 */
export async function decryptSecretDataEntries(resource: Resource, decryptor: SopsDecryptor): Promise<void> {
  const data = getNode(resource.node, ['data']);
  if (!isMap(data)) return;
  for (const pair of data.items) {
    const value = scalarText(pair.value);
    if (value === undefined) continue;
    const compact = value.replace(/[\r\n]/g, '');
    if (!BASE64.test(compact) || compact.length % 4 !== 0) continue;
    const bytes = Buffer.from(compact, 'base64');
    const input = detectSopsFormat(bytes);
    if (input === undefined) continue;
    const key = scalarText(pair.key) ?? '';
    const where = `${resource.describe()}: data key "${key}"`;
    const plaintext = await decryptor.decryptFile(bytes, input, sopsFormatForPath(key), { where, file: resource.file });
    pair.value = stringScalar(plaintext.toString('base64'));
  }
}
