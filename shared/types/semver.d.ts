// The few functions of the `semver` package (which ships no types) that the Git source uses, each
// from its own module: the package's index loads all of them (and bundles all of them).
declare module 'semver/classes/semver.js' {
  export default interface SemVer {
    readonly version: string;
    readonly prerelease: readonly (string | number)[];
  }
}
declare module 'semver/functions/parse.js' {
  import type SemVer from 'semver/classes/semver.js';
  export default function parse(version: string): SemVer | null;
}
declare module 'semver/ranges/valid.js' {
  export default function validRange(range: string): string | null;
}
declare module 'semver/functions/satisfies.js' {
  import type SemVer from 'semver/classes/semver.js';
  export default function satisfies(version: SemVer | string, range: string): boolean;
}
declare module 'semver/functions/compare.js' {
  import type SemVer from 'semver/classes/semver.js';
  export default function compare(a: SemVer | string, b: SemVer | string): -1 | 0 | 1;
}
