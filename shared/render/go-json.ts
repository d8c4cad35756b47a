/**
 * Go's `encoding/json` string encoding, which kustomize (generator name hashes) and `sops decrypt`
 * (JSON output) both go through: JSON's escapes plus `<`, `>`, `&`, U+2028 and U+2029 as `\u00XX`
 * escapes (`json.Marshal` is HTML-safe). Control characters come out as JavaScript's
 * `JSON.stringify` writes them, which is also what Go does since 1.22 (`\b` and `\f` short).
 */

const GO_ONLY_ESCAPES = /[<>&\u2028\u2029]/g;

/** A string as Go's `json.Marshal` writes it, quotes included. */
export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(GO_ONLY_ESCAPES, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
