// The few functions of the `semver` package (which ships no types) that the Git source uses.
declare module 'semver' {
  export interface SemVer {
    readonly version: string;
    readonly prerelease: readonly (string | number)[];
  }
  export function parse(version: string): SemVer | null;
  export function validRange(range: string): string | null;
  export function satisfies(version: SemVer | string, range: string): boolean;
  export function compare(a: SemVer | string, b: SemVer | string): -1 | 0 | 1;
  const semver: { parse: typeof parse; validRange: typeof validRange; satisfies: typeof satisfies; compare: typeof compare };
  export default semver;
}
