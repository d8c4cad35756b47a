/**
 * The intake logs through the single {@link Logger} port every engine uses: the Lambda passes a
 * Powertools Logger (which fits it), local mode the console logger, tests a recorder. Attributes
 * carry ids only, never header or body content.
 */
import type { Logger } from '#shared/ports/index.ts';

/** The intake's logger: the {@link Logger} port (kept as a name for existing callers). */
export type IntakeLogger = Logger;

export { silentLogger } from '#shared/ports/index.ts';
