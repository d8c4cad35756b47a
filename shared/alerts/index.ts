/**
 * Alerts: catalog events turned into Slack messages, webhook calls and commit statuses.
 *
 * Entry points: {@link dispatchEvent} / {@link dispatchOrThrow} (the engine), {@link
 * loadAlertingConfig} (Flux Alert/Provider objects from the fleet repo), {@link
 * formatSlackMessage} (the Block Kit formatter, also used by the CLI and the docs generator).
 */
export * from './commit-link.ts';
export * from './commit-status.ts';
export * from './config.ts';
export * from './dedup.ts';
export * from './delivery.ts';
export * from './dispatch.ts';
export * from './filter.ts';
export * from './generic.ts';
export * from './notification.ts';
export * from './provider-secrets.ts';
export * from './redact.ts';
export * from './slack.ts';
export * from './slack-format.ts';
export * from './text.ts';
