/**
 * Secret redaction for every text the alerts engine sends or reports.
 *
 * Error messages and drift details come from clusters and tools and can quote anything: a token
 * in a failing URL, a Secret's data in a diff. Before any text leaves Tideline it goes through a
 * {@link Redactor} that knows the values of every secret the engine loaded (webhook URLs, tokens)
 * and the shapes of well-known credentials, and replaces both with a marker.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Secret values shorter than this are not redacted by value: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Well-known credential shapes, redacted wherever they appear. */
const CREDENTIAL_PATTERNS: { pattern: RegExp; replace: string }[] = [
  // PEM private keys and certificates' key material, whole block.
  { pattern: /-----BEGIN [A-Z0-9 ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*-----|$)/g, replace: REDACTED },
  // Slack tokens (bot, user, app, config, refresh) and incoming-webhook URLs.
  { pattern: /\bxox[abposre]-[A-Za-z0-9-]{8,}/g, replace: REDACTED },
  { pattern: /\bxapp-[A-Za-z0-9-]{8,}/g, replace: REDACTED },
  { pattern: /https:\/\/hooks\.slack(?:-gov)?\.com\/[A-Za-z0-9/_-]+/g, replace: REDACTED },
  // GitHub tokens (classic, fine-grained, app, OAuth, refresh) and GitLab tokens.
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}/g, replace: REDACTED },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replace: REDACTED },
  { pattern: /\bgl(?:pat|dt|rt|ptt|cbt|oas|imt|agent|ft|soat)-[A-Za-z0-9_-]{16,}/g, replace: REDACTED },
  // AWS access key ids and secret keys written as key=value.
  { pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  { pattern: /(aws_secret_access_key|secretAccessKey|SecretAccessKey)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}/g, replace: `$1$2${REDACTED}` },
  // HTTP authorization values.
  { pattern: /(authorization["']?\s*[:=]\s*["']?)(Basic|Bearer|token)\s+[^\s"']+/gi, replace: `$1$2 ${REDACTED}` },
  { pattern: /\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: `$1 ${REDACTED}` },
  // Credentials in URLs: keep the user, drop the password (or the lone token).
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, replace: `$1$2:${REDACTED}@` },
  { pattern: /\b(https?:\/\/)([^/\s:@]{16,})@/gi, replace: `$1${REDACTED}@` },
  // Credentials as query or form parameters (`?token=…`, `password=…`) and as JSON members.
  { pattern: /\b((?:access_|refresh_|id_|auth_|private_|api_)?token|password|passwd|secret|api_?key|client_secret)=[^\s&"'#]+/gi, replace: `$1=${REDACTED}` },
  { pattern: /("(?:access_|refresh_|id_|auth_)?token"|"password"|"secret"|"client_secret")(\s*:\s*)"(?:[^"\\]|\\.)*"/gi, replace: `$1$2"${REDACTED}"` },
  // Kubernetes validation errors quote the rejected value: `data.token: Invalid value: "…": …`.
  { pattern: /(Invalid value: )"(?:[^"\\]|\\.)*"/g, replace: `$1"${REDACTED}"` },
];

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The base64 forms of `value`: its whole encoding, and the part of its encoding that is the same
 * wherever it sits in a longer encoded text (a Secret's `user:token`, a Basic header), for each of
 * the three byte alignments; in standard and URL-safe alphabets.
 */
function base64Variants(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out = [bytes.toString('base64'), bytes.toString('base64url')];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const total = offset + bytes.length;
    // Characters carrying a bit of the prefix or of what follows the value are not stable.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(total / 3) * 4 + Math.floor(((total % 3) * 8) / 6);
    const core = encoded.slice(start, end);
    // Short cores would match ordinary base64 by chance.
    if (core.length >= 12) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Forms of a secret value that may appear in text: the value, URL-encoded, JSON-escaped, base64. */
function variantsOf(value: string): string[] {
  const variants = new Set<string>([value, value.trim(), encodeURIComponent(value), JSON.stringify(value).slice(1, -1), ...base64Variants(value)]);
  // A webhook URL is a secret as a whole, and its path (the part that authorizes) also on its own.
  try {
    const url = new URL(value);
    const tail = url.pathname + url.search;
    if (tail.length >= 16) variants.add(tail);
  } catch {
    // not a URL: only the value itself is a secret
  }
  return [...variants].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Replaces known secret values and credential shapes in text. Immutable; add values with `with`. */
export class Redactor {
  /** The secret values as given (their variants are derived again by {@link with}, not re-encoded). */
  readonly #secrets: readonly string[];
  readonly #values: readonly string[];
  readonly #valuePattern: RegExp | undefined;

  constructor(secretValues: Iterable<string> = []) {
    this.#secrets = [...secretValues];
    const values = new Set<string>();
    for (const value of this.#secrets) for (const variant of variantsOf(value)) values.add(variant);
    // Longest first, so a value containing another is replaced whole.
    this.#values = [...values].sort((a, b) => b.length - a.length);
    this.#valuePattern = this.#values.length ? new RegExp(this.#values.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  /** A redactor that also knows `secretValues`. */
  with(secretValues: Iterable<string>): Redactor {
    return new Redactor([...this.#secrets, ...secretValues]);
  }

  /** The text with every known secret value and credential shape replaced by {@link REDACTED}. */
  redact(text: string): string {
    let result = this.#valuePattern ? text.replace(this.#valuePattern, REDACTED) : text;
    for (const { pattern, replace } of CREDENTIAL_PATTERNS) result = result.replace(pattern, replace);
    return result;
  }

  /** A deep copy of a JSON-like value with every string redacted (object keys are kept). */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactDeep(item)])) as T;
    }
    return value;
  }
}
