/**
 * The intake behind API Gateway HTTP APIs and Lambda Function URLs (payload format 2.0).
 *
 * Only translation lives here: the event's headers, path and (possibly base64) body become a
 * {@link WebhookRequest}, and the intake's answer becomes the Lambda result.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorMessage } from '#shared/errors/index.ts';
import type { IntakeDeps } from './handle.ts';
import { handleWebhook } from './handle.ts';
import { silentLogger } from '#shared/ports/index.ts';
import type { WebhookRequest } from './types.ts';

/**
 * Converts a payload 2.0 event into the intake's request (decoding a base64 body). An HTTP API
 * stage other than `$default` prefixes the path with `/<stage>`; that prefix is removed so the
 * receiver path is the same whichever stage serves it.
 */
export function requestFromApiGatewayV2(event: APIGatewayProxyEventV2): WebhookRequest {
  const raw = event.body ?? '';
  let path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path,
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

/**
 * Handles a payload 2.0 event with the intake. An unexpected failure (a store outage) answers
 * 503 so the sender retries, with no detail in the body.
 */
export async function handleApiGatewayV2(event: APIGatewayProxyEventV2, deps: IntakeDeps): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    const response = await handleWebhook(requestFromApiGatewayV2(event), deps);
    return { statusCode: response.status, headers: { 'content-type': 'application/json', ...response.headers }, body: response.body };
  } catch (error) {
    (deps.logger ?? silentLogger).error('webhook intake failed', { error: errorMessage(error), requestId: event.requestContext?.requestId });
    return {
      statusCode: 503,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'failed', reason: 'temporarily unavailable; retry the delivery' }),
    };
  }
}
