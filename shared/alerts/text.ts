/**
 * Text helpers for Slack messages: mrkdwn escaping, links, and truncation that is safe for
 * Slack's limits.
 *
 * Slack counts characters, and rejects a whole message (`invalid_blocks`) when one text is too
 * long. Truncating naively can split a surrogate pair (an emoji becomes garbage), an `&amp;`
 * entity, or a `<url|label>` link (the rest of the message turns into a broken link), so every cut
 * here backs up to a boundary where none of these is open. Lengths are measured in UTF-16 code
 * units, which is never less than Slack's character count, so a text that fits here fits there.
 */

const ENTITIES = ['&amp;', '&lt;', '&gt;'];

/** What ends a truncated text. */
export const ELLIPSIS = '…';

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mrkdwn link `<url|label>`; the label is escaped and the URL made unable to close the link. */
export function mrkdwnLink(url: string, label: string): string {
  const safeUrl = url.replace(/[<>|\s]/g, (c) => encodeURIComponent(c));
  return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The largest cut ≤ `max` that does not split a surrogate pair. */
function safeCodePointCut(text: string, max: number): number {
  if (max >= text.length) return text.length;
  if (max <= 0) return 0;
  return isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
}

/** Plain text shortened to at most `max` code units, ending with an ellipsis when cut. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = safeCodePointCut(text, max - ELLIPSIS.length);
  return text.slice(0, cut) + ELLIPSIS;
}

/**
 * The largest cut ≤ `max` of a mrkdwn text that falls outside links (`<…>`), entities (`&…;`)
 * and surrogate pairs.
 */
export function safeMrkdwnCut(text: string, max: number): number {
  let cut = safeCodePointCut(text, max);
  // Entities first: backing out of one never lands inside a link that was closed before.
  const entityOpen = text.lastIndexOf('&', cut - 1);
  if (entityOpen !== -1) {
    const partial = text.slice(entityOpen, cut);
    if (ENTITIES.some((entity) => entity !== partial && entity.startsWith(partial))) cut = entityOpen;
  }
  const linkOpen = text.lastIndexOf('<', cut - 1);
  if (linkOpen !== -1) {
    const linkClose = text.indexOf('>', linkOpen);
    if (linkClose === -1 || linkClose >= cut) cut = linkOpen;
  }
  return cut;
}

/** mrkdwn text shortened to at most `max` code units without breaking a link, entity or character. */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeMrkdwnCut(text, max - ELLIPSIS.length)) + ELLIPSIS;
}

/**
 * A mrkdwn code block of `raw` text (escaped here) of at most `max` code units, fences included.
 * Backtick runs inside are softened so the text cannot close the block early.
 */
export function codeBlock(raw: string, max: number): string {
  const fence = '```';
  const inner = escapeMrkdwn(raw.replace(/`{3,}/g, (run) => '\u02cb'.repeat(run.length)));
  const room = max - 2 * fence.length - 2;
  return `${fence}\n${truncateMrkdwn(inner, room)}\n${fence}`;
}

/**
 * Joins mrkdwn `lines` with newlines within `max` code units. When not all fit (or `total` says
 * more exist than were given), the text ends with `… and N more`, N counting everything left out.
 */
export function joinLinesWithin(lines: readonly string[], max: number, total = lines.length): string {
  const out: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const remainingAfter = total - (i + 1);
    const suffixRoom = remainingAfter > 0 ? `\n${ELLIPSIS} and ${total - i} more`.length : 0;
    const added = (out.length ? 1 : 0) + line.length;
    if (length + added + suffixRoom > max) {
      // This line and everything after it are left out.
      if (out.length === 0) {
        const left = total - 1;
        const suffix = left > 0 ? `\n${ELLIPSIS} and ${left} more` : '';
        return truncateMrkdwn(line, max - suffix.length) + suffix;
      }
      return `${out.join('\n')}\n${ELLIPSIS} and ${total - i} more`;
    }
    out.push(line);
    length += added;
  }
  const left = total - lines.length;
  return left > 0 ? `${out.join('\n')}${out.length ? '\n' : ''}${ELLIPSIS} and ${left} more` : out.join('\n');
}
