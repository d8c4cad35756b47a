/** The Git source engine: ref lookups and shallow, cached checkouts over isomorphic-git (see docs/git.md). */
export { DEFAULT_GIT_TIMEOUT_MS, IsomorphicGitSource, authHeaders } from './source.ts';
export type { IsomorphicGitSourceOptions } from './source.ts';
export { FLUX_DEFAULT_BRANCH, describeRef, pickRemoteRef, revisionFor, revisionName, selectRef } from './refs.ts';
export type { RefSelection, RemoteRef, SelectedRef } from './refs.ts';
export { FLUX_DEFAULT_EXCLUDES, FLUX_VCS_EXCLUDES, SOURCE_IGNORE_FILE, SourceIgnoreMatcher, readIgnoreRules } from './ignore.ts';
export { parseCloneUrl, redactUrl } from './url.ts';
