/** Thrown inside the fast reader when the text leaves the subset it reads: the full parser reads it. */
export class Unsupported extends Error {}

/** The one instance thrown (no stack trace is built for each deferred document). */
export const UNSUPPORTED = new Unsupported('unsupported');
