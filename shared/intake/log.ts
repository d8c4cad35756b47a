/**
 * The logging the intake needs, kept narrow so the core does not depend on a logging library:
 * the Lambda passes a Powertools Logger (which fits this shape), tests a recorder. Attributes
 * carry ids only, never header or body content.
 */

/** A structured logger (Powertools' `Logger` satisfies it). */
export interface IntakeLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** A logger that drops everything. */
export const silentLogger: IntakeLogger = { info: () => {}, warn: () => {}, error: () => {} };
