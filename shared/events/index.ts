/** The event catalog: schemas, types, patterns, parse and publish helpers. */
export * from './catalog.ts';
export * from './parse.ts';
export * from './publish.ts';
export * from './pattern.ts';
