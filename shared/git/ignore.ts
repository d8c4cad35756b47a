/**
 * Which files of a Git tree reach the artifact, exactly as Flux's source-controller decides it
 * (fluxcd/pkg `sourceignore` and `artifact/storage.SourceIgnoreFilter`):
 *
 * - the rules are, in increasing priority: the VCS excludes, then every `.sourceignore` file of the
 *   tree (the root's first, then each directory's depth-first in name order, each relative to its
 *   own directory), then `spec.ignore` (relative to the root);
 * - when neither a `.sourceignore` nor `spec.ignore` gives a rule, Flux's default excludes
 *   (images, archives, CI configuration, `.sops.yaml`, …) apply instead — any rule of the user's
 *   replaces them, the VCS excludes always stay;
 * - each file is judged on its own path and the last matching rule wins. Unlike git, Flux does not
 *   stop at an excluded directory, so `!dir/keep.yaml` after `dir/` keeps that file.
 *
 * A rule matches a path when its gitignore pattern (the `ignore` package) matches the path or one
 * of its parent directories, which is how go-git's matcher (Flux's) reads a pattern.
 */
import ignoreModule from 'ignore';
import type { Ignore } from 'ignore';

// A CommonJS package whose typings declare an ES default export: under Node's ESM interop the
// default import is module.exports, which carries the factory again as `.default`.
const ignore = ignoreModule.default;

/** Name of the per-directory ignore file. */
export const SOURCE_IGNORE_FILE = '.sourceignore';

/** Flux's `ExcludeVCS`: always applied. */
export const FLUX_VCS_EXCLUDES: readonly string[] = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'];

/** Flux's `ExcludeExt`: images and archives. */
const FLUX_EXTENSION_EXCLUDES: readonly string[] = ['*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip'];

/** Flux's `ExcludeCI` and `ExcludeExtra`: CI configuration and tool files, each a name (a directory ends in a slash), some matched at any depth. */
export const FLUX_CI_EXCLUDES: readonly string[] = [
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

/** Flux's `ExcludeExt`, `ExcludeCI` and `ExcludeExtra`: applied only when the user gives no rule. */
export const FLUX_DEFAULT_EXCLUDES: readonly string[] = [...FLUX_EXTENSION_EXCLUDES, ...FLUX_CI_EXCLUDES];

/** One ignore rule and the directory it is relative to (`''` for the root). */
export interface IgnoreRule {
  domain: string;
  pattern: string;
}

/** The rules of one `.gitignore`-format text: comment lines (`#…`) and blank lines dropped, as Flux reads them. */
export function readIgnoreRules(text: string, domain = ''): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('#') && line.trim() !== '')
    .map((pattern) => ({ domain, pattern }));
}

interface CompiledRule {
  prefix: string;
  include: boolean;
  matcher: Ignore;
}

/**
 * Compiles rules (in priority order) into matchers, one per run of consecutive rules with the
 * same directory and polarity: within a run any match gives the same verdict, so one `ignore`
 * instance answers for all of them (the negation is stripped and remembered as `include`).
 */
function compile(rules: readonly IgnoreRule[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  let last: (CompiledRule & { domain: string }) | undefined;
  for (const rule of rules) {
    const include = rule.pattern.startsWith('!');
    const pattern = include ? rule.pattern.slice(1) : rule.pattern;
    if (pattern.trim() === '') continue;
    if (last !== undefined && last.domain === rule.domain && last.include === include) {
      last.matcher.add(pattern);
      continue;
    }
    last = { domain: rule.domain, prefix: rule.domain === '' ? '' : `${rule.domain}/`, include, matcher: ignore().add(pattern) };
    compiled.push(last);
  }
  return compiled;
}

/** Decides, per path, whether Flux would leave a file out of the artifact. */
export class SourceIgnoreMatcher {
  readonly #rules: CompiledRule[];
  /** True when the user's rules replaced Flux's default excludes. */
  readonly replacedDefaults: boolean;

  /**
   * `sourceIgnoreRules`: the rules of every `.sourceignore` in Flux's order (see
   * {@link sortSourceIgnoreFiles}); `specIgnore`: the GitRepository's `spec.ignore`.
   */
  constructor(sourceIgnoreRules: readonly IgnoreRule[], specIgnore?: string) {
    const user = [...sourceIgnoreRules, ...(specIgnore === undefined ? [] : readIgnoreRules(specIgnore))];
    this.replacedDefaults = user.length > 0;
    const base = FLUX_VCS_EXCLUDES.map((pattern) => ({ domain: '', pattern }));
    const defaults = this.replacedDefaults ? [] : FLUX_DEFAULT_EXCLUDES.map((pattern) => ({ domain: '', pattern }));
    this.#rules = compile([...base, ...defaults, ...user]).reverse();
  }

  /** Whether the file (or directory, `isDir`) at `path` (relative, `/`-separated) is left out. */
  excludes(path: string, isDir = false): boolean {
    for (const rule of this.#rules) {
      if (rule.prefix !== '' && !path.startsWith(rule.prefix)) continue;
      const relative = path.slice(rule.prefix.length);
      if (relative === '') continue;
      if (rule.matcher.ignores(isDir ? `${relative}/` : relative)) return !rule.include;
    }
    return false;
  }
}

/**
 * Orders `.sourceignore` paths as Flux loads them: the root's first, then each directory's
 * depth-first with sibling directories in name order.
 */
export function sortSourceIgnoreFiles(paths: readonly string[]): string[] {
  const dirParts = (path: string): string[] => path.split('/').slice(0, -1);
  return [...paths].sort((a, b) => {
    const x = dirParts(a);
    const y = dirParts(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const p = x[i] as string;
      const q = y[i] as string;
      if (p !== q) return p < q ? -1 : 1;
    }
    return x.length - y.length;
  });
}

/** The domain (directory) of a `.sourceignore` path: `''` for the root's. */
export function sourceIgnoreDomain(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
