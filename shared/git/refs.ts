/**
 * Which remote ref a Flux `spec.ref` selects, and what Flux calls the result.
 *
 * Pure logic, shared by the ref lookup (ls-remote) and the fetch, so polling and fetching can never
 * disagree. Precedence, default and revision names follow Flux's source-controller: `commit` over
 * `name` over `semver` over `tag` over `branch`; no ref at all means branch `master`; a revision is
 * `<short ref>@sha1:<commit>` (the ref without its first two components: `main`, `v1.2.0`,
 * `feature/x`), the full ref name for `spec.ref.name`, and `sha1:<commit>` for a bare commit.
 */
import type SemVer from 'semver/classes/semver.js';
import compareVersions from 'semver/functions/compare.js';
import parseVersion from 'semver/functions/parse.js';
import satisfiesRange from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { InvalidInputError, NotFoundError } from '#shared/errors/index.ts';
import type { GitRefSpec } from '#shared/ports/index.ts';

/** Flux's branch when `spec.ref` names none (`git.DefaultBranch` in fluxcd/pkg). */
export const FLUX_DEFAULT_BRANCH = 'master';

/** What a ref spec asks for, after Flux's precedence. */
export type RefSelection =
  | { kind: 'commit'; commit: string; branch?: string; name?: string }
  | { kind: 'name'; name: string }
  | { kind: 'semver'; range: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'branch'; branch: string };

/** A ref as the server lists it; `peeled` is the commit an annotated tag points to. */
export interface RemoteRef {
  ref: string;
  oid: string;
  peeled?: string;
}

/** The remote ref that was chosen and the commit it points to. */
export interface SelectedRef {
  ref: string;
  commit: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/** Text naming a ref spec for messages and status: `branch main`, `tag v1.2.0`, `semver >=1.0`, `commit 1a2b3c4`. */
export function describeRef(ref: GitRefSpec): string {
  const selection = selectRef(ref, { validate: false });
  switch (selection.kind) {
    case 'commit':
      return `commit ${selection.commit.slice(0, 12)}${selection.branch ? ` on branch ${selection.branch}` : ''}`;
    case 'name':
      return `ref ${selection.name}`;
    case 'semver':
      return `semver ${selection.range}`;
    case 'tag':
      return `tag ${selection.tag}`;
    case 'branch':
      return `branch ${selection.branch}`;
  }
}

/**
 * Applies Flux's precedence to a ref spec. Throws InvalidInputError for a commit that is not a
 * full SHA-1, a ref name outside `refs/`, or a semver range that does not parse (unless
 * `validate` is false, for describing a spec in a message).
 */
export function selectRef(ref: GitRefSpec, options: { validate?: boolean } = {}): RefSelection {
  const validate = options.validate ?? true;
  if (ref.commit) {
    const commit = ref.commit.toLowerCase();
    if (validate && !FULL_SHA.test(commit)) throw new InvalidInputError(`ref.commit ${JSON.stringify(ref.commit)} is not a full 40-character SHA-1 commit id`);
    return { kind: 'commit', commit, ...(ref.branch ? { branch: ref.branch } : {}), ...(ref.name ? { name: ref.name } : {}) };
  }
  if (ref.name) {
    if (validate && !/^refs\/\S+$/.test(ref.name))
      throw new InvalidInputError(`ref.name ${JSON.stringify(ref.name)} is not a full ref name such as refs/heads/main or refs/pull/1/head`);
    return { kind: 'name', name: ref.name };
  }
  if (ref.semver) {
    if (validate && semverRange(ref.semver) === null) throw new InvalidInputError(`ref.semver ${JSON.stringify(ref.semver)} is not a semver range`);
    return { kind: 'semver', range: ref.semver };
  }
  if (ref.tag) return { kind: 'tag', tag: ref.tag };
  return { kind: 'branch', branch: ref.branch || FLUX_DEFAULT_BRANCH };
}

/** The ls-refs prefix that lists every ref the selection may need (so a lookup transfers little). */
export function refPrefix(selection: RefSelection): string | undefined {
  switch (selection.kind) {
    case 'commit':
      return selection.branch ? `refs/heads/${selection.branch}` : undefined;
    case 'name':
      return selection.name.endsWith('^{}') ? selection.name.slice(0, -3) : selection.name;
    case 'semver':
      return 'refs/tags/';
    case 'tag':
      return `refs/tags/${selection.tag}`;
    case 'branch':
      return `refs/heads/${selection.branch}`;
  }
}

/**
 * Masterminds' constraint syntax (Flux's) in node-semver's: `,` joins comparators with AND
 * there, a space does here. Returns null for a range node-semver cannot read.
 */
function semverRange(range: string): string | null {
  return validRange(range.replaceAll(',', ' '));
}

/**
 * A tag read as a version the way Masterminds' `NewVersion` reads it: an optional `v`, and
 * missing minor and patch numbers taken as 0 (`v1.2` is 1.2.0). Null when it is no version.
 */
export function tagVersion(tag: string): SemVer | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?([-+].*)?$/.exec(tag);
  if (match === null) return null;
  return parseVersion(`${match[1]}.${match[2] ?? '0'}.${match[3] ?? '0'}${match[4] ?? ''}`);
}

function commitOf(ref: RemoteRef): string {
  return ref.peeled ?? ref.oid;
}

/**
 * Picks the ref a selection means among the server's refs. Throws NotFoundError naming the
 * missing branch, tag, ref or semver range (`where` names the repository).
 */
export function pickRemoteRef(selection: RefSelection, refs: readonly RemoteRef[], where: string): SelectedRef {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const exact = (name: string, what: string): SelectedRef => {
    const found = byName.get(name);
    if (found === undefined) throw new NotFoundError(`${where}: ${what} not found`);
    return { ref: name, commit: commitOf(found) };
  };
  switch (selection.kind) {
    case 'branch':
      return exact(`refs/heads/${selection.branch}`, `branch ${selection.branch}`);
    case 'tag':
      return exact(`refs/tags/${selection.tag}`, `tag ${selection.tag}`);
    case 'name': {
      // `refs/tags/x^{}` asks for the commit behind an annotated tag, as in Flux.
      const name = selection.name.endsWith('^{}') ? selection.name.slice(0, -3) : selection.name;
      const found = exact(name, `ref ${selection.name}`);
      return { ref: selection.name, commit: found.commit };
    }
    case 'commit': {
      if (selection.branch !== undefined) exact(`refs/heads/${selection.branch}`, `branch ${selection.branch}`);
      return { ref: selection.branch ? `refs/heads/${selection.branch}` : '', commit: selection.commit };
    }
    case 'semver': {
      const range = semverRange(selection.range);
      if (range === null) throw new NotFoundError(`${where}: semver ${selection.range} is not a range`);
      let best: { tag: string; version: SemVer; ref: RemoteRef } | undefined;
      for (const ref of refs) {
        if (!ref.ref.startsWith('refs/tags/') || ref.ref.endsWith('^{}')) continue;
        const tag = ref.ref.slice('refs/tags/'.length);
        const version = tagVersion(tag);
        if (version === null || !satisfiesRange(version, range)) continue;
        // Equal versions (v1.0.0 and 1.0.0, or differing build metadata): Flux takes the tag whose
        // commit is newest; the ref listing carries no dates, so the later tag name wins here.
        if (best === undefined || compareVersions(version, best.version) > 0 || (compareVersions(version, best.version) === 0 && tag > best.tag)) {
          best = { tag, version, ref };
        }
      }
      if (best === undefined) throw new NotFoundError(`${where}: no tag matches semver ${selection.range}`);
      return { ref: best.ref.ref, commit: commitOf(best.ref) };
    }
  }
}

/**
 * Flux's name for a commit reached through `ref`: `<ref without its first two components>@sha1:<commit>`,
 * the full ref for a `spec.ref.name` selection, `sha1:<commit>` with no ref.
 */
export function revisionName(ref: string | undefined, commit: string, options: { absolute?: boolean } = {}): string {
  if (!ref) return `sha1:${commit}`;
  if (options.absolute === true) return `${ref}@sha1:${commit}`;
  const parts = ref.split('/');
  return parts.length >= 3 ? `${parts.slice(2).join('/')}@sha1:${commit}` : `sha1:${commit}`;
}

/** The revision name of a selection that resolved to `selected`. */
export function revisionFor(selection: RefSelection, selected: SelectedRef): string {
  if (selection.kind === 'name') return revisionName(selection.name, selected.commit, { absolute: true });
  if (selection.kind === 'commit' && selection.name !== undefined) return revisionName(selection.name, selected.commit, { absolute: true });
  return revisionName(selected.ref, selected.commit);
}
