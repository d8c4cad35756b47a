/**
 * Sending a Block Kit message to Slack.
 *
 * Two ways in, as with Flux's `slack` Provider: an incoming-webhook URL (the address), or the Web
 * API `chat.postMessage` with a bot token (then the address defaults to Slack's endpoint). They
 * report errors differently: webhooks by HTTP status with the reason as plain text (`400
 * invalid_blocks`, `404 channel_not_found`), the Web API by `200 {"ok":false,"error":…}`. Both
 * send 429 with `Retry-After` when rate limited. Only the Web API returns the message `ts`, which
 * is what lets later messages about the same revision go into its thread.
 */
import { SLACK_POST_MESSAGE_URL } from '#shared/config/provider.ts';
import { InvalidInputError } from '#shared/errors/index.ts';
import { deliver, parseRetryAfter, type DeliveryContext, type ReceivedResponse, type ResponseVerdict } from './delivery.ts';
import { providerLabel, usesSlackWebApi, type ResolvedProvider } from './provider-secrets.ts';
import { blockKitViolations, type SlackMessage } from './slack-format.ts';

/** Web API errors that are temporary on Slack's side (everything else is final). */
const TRANSIENT_API_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** What Slack answered to a delivered message. */
export interface SlackDelivery {
  /** The message `ts` (Web API only), usable as a thread parent. */
  ts?: string;
  /** The channel id Slack resolved (Web API only). */
  channel?: string;
  attempts: number;
  mode: 'webhook' | 'bot';
}

function webhookVerdict(response: ReceivedResponse, now: number): ResponseVerdict<{ ts?: string; channel?: string }> {
  if (response.status >= 200 && response.status < 300) return { outcome: 'ok', value: {} };
  const reason = response.body.trim().split(/\s/)[0] || `http_${response.status}`;
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    return { outcome: 'retry', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { outcome: 'final', reason, status: response.status };
}

function webApiVerdict(response: ReceivedResponse, now: number): ResponseVerdict<{ ts?: string; channel?: string }> {
  if (response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    return { outcome: 'retry', reason: `http_${response.status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (response.status < 200 || response.status >= 300) return { outcome: 'final', reason: `http_${response.status}`, status: response.status };
  let body: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown };
  try {
    body = JSON.parse(response.body) as typeof body;
  } catch {
    return { outcome: 'final', reason: 'unreadable_response', status: response.status };
  }
  if (body.ok === true) {
    return {
      outcome: 'ok',
      value: { ...(typeof body.ts === 'string' ? { ts: body.ts } : {}), ...(typeof body.channel === 'string' ? { channel: body.channel } : {}) },
    };
  }
  const reason = typeof body.error === 'string' ? body.error : 'unknown_error';
  if (TRANSIENT_API_ERRORS.has(reason)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    return { outcome: 'retry', reason, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { outcome: 'final', reason, status: response.status };
}

/**
 * Posts `message` with the resolved Slack Provider. With a bot token the message goes to
 * `spec.channel` (in the thread `threadTs` when given) and Slack's `ts` is returned.
 * Throws InvalidInputError when the message breaks Block Kit limits (a formatter bug, caught
 * before Slack answers a bare `invalid_blocks`), DeliveryRejectedError / TransientError as
 * {@link deliver} does.
 */
export async function postSlackMessage(
  resolved: ResolvedProvider,
  message: SlackMessage,
  context: DeliveryContext & { threadTs?: string },
): Promise<SlackDelivery> {
  const { provider } = resolved;
  const target = providerLabel(provider);
  const violations = blockKitViolations(message);
  if (violations.length) throw new InvalidInputError(`${target}: message breaks Block Kit limits: ${violations.slice(0, 3).join('; ')}`);
  const bot = usesSlackWebApi(resolved);
  const payload: Record<string, unknown> = { text: message.text, blocks: message.blocks };
  if (provider.spec.channel) payload.channel = provider.spec.channel;
  if (provider.spec.username) payload.username = provider.spec.username;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  // Flux sends the token along to a webhook too (some proxies in front of Slack want it).
  if (resolved.token) headers.authorization = `Bearer ${resolved.token}`;
  if (bot) {
    payload.unfurl_links = false;
    payload.unfurl_media = false;
    if (context.threadTs) payload.thread_ts = context.threadTs;
  }
  const url = resolved.address ?? SLACK_POST_MESSAGE_URL;
  const delivered = await deliver(
    { target, url, headers, body: JSON.stringify(payload), timeoutMs: provider.timeoutMs },
    bot ? webApiVerdict : webhookVerdict,
    context,
  );
  return { ...delivered.value, attempts: delivered.attempts, mode: bot ? 'bot' : 'webhook' };
}
