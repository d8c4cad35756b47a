/**
 * Where a SOPS document came from, and the errors that name it: every failure of decryption is
 * an {@link InvalidInputError} naming the file or object, never a decrypted value or key material.
 */
import { InvalidInputError } from '#shared/errors/index.ts';

/** Where a document came from, for error messages: a file, or a rendered object (and its file). */
export interface SopsSource {
  /** The file, or the object (`Secret db in ns shop`) when `file` is where it came from. */
  where: string;
  file?: string;
}

/** `file: object: message`, as the renderer's other errors read; just `file: message` for a file. */
export function sopsError(source: SopsSource, message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(source.where === source.file ? message : `${source.where}: ${message}`, {
    ...(source.file ? { source: { file: source.file } } : {}),
    ...(cause === undefined ? {} : { cause }),
  });
}
