/**
 * Slack Block Kit messages for Tideline events.
 *
 * One message says what happened, where, and at which revision, in that order: a header with
 * the outcome, cluster and Kustomization; fields for the revision (linked to the commit when the
 * repository URL allows) and the facts of the event; the change-set counts and the first objects;
 * the error or drift details. Every text is redacted of secrets, escaped for mrkdwn and kept within
 * Block Kit's limits, so Slack never rejects a message for its size and never shows a secret.
 */
import type { ChangeSetSummary, DriftedObjectDetail } from '#shared/events/catalog.ts';
import { describeObject } from '#shared/errors/index.ts';
import { commitOf, compactObject, refOf, type AlertNotification } from './notification.ts';
import { fieldLines } from './drift-format.ts';
import { commitUrl, type GitHostKind } from './commit-link.ts';
import { Redactor } from './redact.ts';
import { codeBlock, escapeMrkdwn, joinLinesWithin, mrkdwnLink, truncateMrkdwn, truncatePlain } from './text.ts';

/** Block Kit limits Tideline formats within (from Slack's Block Kit reference). */
export const BLOCK_KIT_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  blocks: 50,
  /** Slack truncates `text` beyond 40,000 characters; notifications show far less. */
  fallbackText: 3000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type Block =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] }
  | { type: 'divider' };

/** A Slack message: Block Kit blocks and the plain-text fallback used in notifications. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export interface FormatOptions {
  /** Web or clone URL of the fleet repository, for the commit link. */
  repoUrl?: string;
  /** Kind of Git host, when the URL's host name does not tell. */
  hostKind?: GitHostKind;
  /** How many objects to list before `… and N more` (default 10). */
  maxObjects?: number;
  /** Alert summary and eventMetadata (Flux's combined metadata), shown under the header. */
  metadata?: Record<string, string>;
  /** Redacts secret values; defaults to credential shapes only. */
  redactor?: Redactor;
}

const OUTCOMES: Record<AlertNotification['detailType'], { emoji: string; title: string }> = {
  ReconcileSucceeded: { emoji: '✅', title: 'Reconciled' },
  ReconcileFailed: { emoji: '❌', title: 'Reconcile failed' },
  HealthCheckFailed: { emoji: '🩺', title: 'Health check failed' },
  RenderFailed: { emoji: '🧱', title: 'Render failed' },
  DriftDetected: { emoji: '🔀', title: 'Drift detected' },
  DriftCorrected: { emoji: '🔁', title: 'Drift corrected' },
  ClusterUnreachable: { emoji: '🔌', title: 'Cluster unreachable' },
};

/** The outcome title of an event type, e.g. `Reconcile failed`. */
export function outcomeTitle(detailType: AlertNotification['detailType']): string {
  return OUTCOMES[detailType].title;
}

/** `main@1a2b3c4` for `main@sha1:1a2b3c4…`; the revision itself when it holds no sha. */
export function shortRevision(revision: string): string {
  const sha = commitOf(revision);
  if (!sha) return revision;
  const ref = refOf(revision);
  return ref ? `${ref}@${sha.slice(0, 7)}` : sha.slice(0, 7);
}

/** `850ms`, `12.3s`, `4m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

function field(label: string, valueMrkdwn: string): MrkdwnText {
  return { type: 'mrkdwn', text: truncateMrkdwn(`*${label}*\n${valueMrkdwn}`, BLOCK_KIT_LIMITS.fieldText) };
}

function section(textMrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(textMrkdwn, BLOCK_KIT_LIMITS.sectionText) } };
}

function countsLine(changeSet: ChangeSetSummary): string {
  const c = changeSet.counts;
  const parts = (['Created', 'Configured', 'Deleted', 'Skipped', 'Unchanged'] as const)
    .filter((action) => c[action] > 0)
    .map((action) => `${c[action]} ${action.toLowerCase()}`);
  return parts.length ? parts.join(' · ') : 'nothing to apply';
}

/** Formats a notification as a Block Kit message within Slack's limits, free of secrets. */
export function formatSlackMessage(notification: AlertNotification, options: FormatOptions = {}): SlackMessage {
  const redactor = options.redactor ?? new Redactor();
  const maxObjects = options.maxObjects ?? 10;
  // Every dynamic text is redacted before it is escaped: escaping could hide a secret's shape.
  const r = (text: string) => redactor.redact(text);
  const m = (text: string) => escapeMrkdwn(r(text));
  const code = (text: string) => `\`${m(text).replace(/`/g, 'ˋ')}\``;
  const { emoji, title } = OUTCOMES[notification.detailType];
  const object = notification.involvedObject;
  const kustomization = object.kind === 'Kustomization' ? `${object.namespace}/${object.name}` : undefined;
  const where = kustomization ? `${notification.cluster} · ${kustomization}` : notification.cluster;

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncatePlain(r(`${emoji} ${title} · ${where}`), BLOCK_KIT_LIMITS.headerText), emoji: true } },
  ];

  const metadata = Object.entries(options.metadata ?? {});
  const summary = metadata.find(([key]) => key === 'summary')?.[1];
  if (summary) blocks.push(section(`> ${m(summary)}`));

  const fields: MrkdwnText[] = [field('Cluster', m(notification.cluster))];
  if (kustomization) fields.push(field('Kustomization', m(kustomization)));
  if (notification.revision) fields.push(field('Revision', revisionMrkdwn(notification.revision, options, m)));

  const details: Block[] = [];
  const event = notification.event;
  const objectList = (lines: string[], total: number) =>
    section(joinLinesWithin(lines.slice(0, maxObjects), BLOCK_KIT_LIMITS.sectionText, Math.max(total, Math.min(lines.length, maxObjects))));
  const changeSetBlocks = (changeSet: ChangeSetSummary) => {
    const changed = changeSet.entries.filter((entry) => entry.action !== 'Unchanged');
    const totalChanged = changeSet.counts.Created + changeSet.counts.Configured + changeSet.counts.Deleted + changeSet.counts.Skipped;
    const out: Block[] = [section(`*Changes:* ${countsLine(changeSet)}`)];
    if (changed.length)
      out.push(
        objectList(
          changed.map((e) => `• ${code(compactObject(e.object))} ${e.action.toLowerCase()}`),
          totalChanged,
        ),
      );
    return out;
  };

  // A drifted object and, under it, what changed field by field (Git's value → the cluster's, by whom).
  const driftLine = (drifted: DriftedObjectDetail) =>
    [
      `• ${code(compactObject(drifted.object))} ${drifted.change === 'Missing' ? 'deleted' : 'modified'}`,
      ...fieldLines(drifted, 3).map((line) => `    ${m(line)}`),
    ].join('\n');

  switch (event.detailType) {
    case 'ReconcileSucceeded':
      fields.push(field('Duration', formatDuration(event.detail.durationMs)));
      details.push(...changeSetBlocks(event.detail.changeSet));
      break;
    case 'ReconcileFailed':
      fields.push(field('Reason', m(event.detail.reason)));
      details.push(section(`*Error*\n${codeBlock(r(event.detail.message), BLOCK_KIT_LIMITS.sectionText - 10)}`));
      if (event.detail.errors.length) {
        const lines = event.detail.errors.map((e) => `• ${e.object ? `*${m(describeObject(e.object))}*: ` : ''}${m(e.message)}`);
        details.push(objectList(lines, lines.length));
      }
      if (event.detail.changeSet) details.push(...changeSetBlocks(event.detail.changeSet));
      break;
    case 'HealthCheckFailed': {
      fields.push(field('Timeout', formatDuration(event.detail.timeoutMs)));
      const lines = event.detail.unhealthy.map((u) => `• ${code(compactObject(u.object))} ${m(u.status)}: ${m(u.message)}`);
      details.push(section(`*Not healthy:* ${event.detail.unhealthy.length} object(s)`));
      if (lines.length) details.push(objectList(lines, lines.length));
      break;
    }
    case 'RenderFailed':
      fields.push(field('Reason', m(event.detail.reason)));
      details.push(section(`*Error*\n${codeBlock(r(event.detail.message), BLOCK_KIT_LIMITS.sectionText - 10)}`));
      break;
    case 'DriftDetected': {
      fields.push(
        field(
          'Action',
          event.detail.willCorrect ? 'will be corrected' : event.detail.mode === 'detect' ? 'left in place (detect mode)' : 'left in place (correction off)',
        ),
      );
      details.push(section(`*Drifted:* ${event.detail.driftedCount} object(s)`));
      if (event.detail.drifted.length) details.push(objectList(event.detail.drifted.map(driftLine), event.detail.driftedCount));
      break;
    }
    case 'DriftCorrected': {
      const drifted = event.detail.drifted ?? [];
      if (drifted.length === 0) {
        details.push(...changeSetBlocks(event.detail.changeSet));
        break;
      }
      details.push(section(`*Put back:* ${event.detail.driftedCount ?? drifted.length} object(s)`));
      details.push(objectList(drifted.map(driftLine), event.detail.driftedCount ?? drifted.length));
      break;
    }
    case 'ClusterUnreachable':
      fields.push(field('Reason', m(event.detail.reason)), field('Attempts', String(event.detail.attempts)));
      details.push(section(`*Error*\n${codeBlock(r(event.detail.message), BLOCK_KIT_LIMITS.sectionText - 10)}`));
      break;
  }

  blocks.push({ type: 'section', fields: fields.slice(0, BLOCK_KIT_LIMITS.sectionFields) });
  blocks.push(...details);

  const extra = metadata.filter(([key]) => key !== 'summary');
  if (extra.length) {
    blocks.push({
      type: 'context',
      elements: extra
        .slice(0, BLOCK_KIT_LIMITS.contextElements)
        .map(([key, value]) => ({ type: 'mrkdwn' as const, text: truncateMrkdwn(`*${m(key)}:* ${m(value)}`, BLOCK_KIT_LIMITS.contextText) })),
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncateMrkdwn(
          `${m(notification.occurredAt)} · event ${m(notification.eventId)} · correlation ${m(notification.correlationId)}`,
          BLOCK_KIT_LIMITS.contextText,
        ),
      },
    ],
  });

  const message: SlackMessage = { text: fallbackText(notification, r), blocks: blocks.slice(0, BLOCK_KIT_LIMITS.blocks) };
  // Last line of defence: a secret that only became recognisable once texts were joined.
  return redactor.redactDeep(message);
}

function revisionMrkdwn(revision: string, options: FormatOptions, m: (text: string) => string): string {
  const sha = commitOf(revision);
  const label = shortRevision(revision);
  const url = sha && options.repoUrl ? commitUrl(options.repoUrl, sha, options.hostKind) : undefined;
  return url ? mrkdwnLink(url, label) : m(label);
}

/** The plain-text line Slack shows in notifications and where blocks cannot be rendered. */
function fallbackText(notification: AlertNotification, r: (text: string) => string): string {
  const object = notification.involvedObject;
  const where = object.kind === 'Kustomization' ? `${object.namespace}/${object.name} on ${notification.cluster}` : notification.cluster;
  const at = notification.revision ? ` at ${shortRevision(notification.revision)}` : '';
  const firstLine = notification.message.split('\n')[0] ?? '';
  const line = `${outcomeTitle(notification.detailType)}: ${where}${at}${firstLine ? ` — ${firstLine}` : ''}`;
  return truncateMrkdwn(escapeMrkdwn(r(line)), BLOCK_KIT_LIMITS.fallbackText);
}

/**
 * Lists every way `message` breaks Block Kit's limits (empty when it fits). Used before sending,
 * so a formatting bug surfaces as a clear error instead of Slack's bare `invalid_blocks`.
 */
export function blockKitViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  const L = BLOCK_KIT_LIMITS;
  if (!message.text) problems.push('text: empty fallback text');
  if (message.text.length > L.fallbackText) problems.push(`text: ${message.text.length} > ${L.fallbackText} characters`);
  if (message.blocks.length > L.blocks) problems.push(`blocks: ${message.blocks.length} > ${L.blocks}`);
  message.blocks.forEach((block, i) => {
    const at = `blocks[${i}]`;
    switch (block.type) {
      case 'header':
        if (block.text.type !== 'plain_text') problems.push(`${at}: header text must be plain_text`);
        if (block.text.text.length > L.headerText) problems.push(`${at}: header ${block.text.text.length} > ${L.headerText} characters`);
        break;
      case 'section':
        if (!block.text && !block.fields?.length) problems.push(`${at}: section needs text or fields`);
        if (block.text && block.text.text.length > L.sectionText) problems.push(`${at}: section text ${block.text.text.length} > ${L.sectionText}`);
        if (block.fields && block.fields.length > L.sectionFields) problems.push(`${at}: ${block.fields.length} fields > ${L.sectionFields}`);
        block.fields?.forEach((f, j) => {
          if (f.text.length > L.fieldText) problems.push(`${at}.fields[${j}]: ${f.text.length} > ${L.fieldText}`);
        });
        break;
      case 'context':
        if (block.elements.length > L.contextElements) problems.push(`${at}: ${block.elements.length} elements > ${L.contextElements}`);
        block.elements.forEach((e, j) => {
          if (e.text.length > L.contextText) problems.push(`${at}.elements[${j}]: ${e.text.length} > ${L.contextText}`);
        });
        break;
      case 'divider':
        break;
    }
  });
  return problems;
}
