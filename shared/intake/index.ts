/** Webhook intake: verified Git pushes become GitPushReceived events. */
export * from './types.ts';
export * from './handle.ts';
export * from './authenticate.ts';
export * from './classify.ts';
export * from './publish-once.ts';
export * from './directory.ts';
export * from './apigateway.ts';
export { PROVIDERS } from './providers/index.ts';
