// One classification of AWS SDK failures for every adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, NotFoundError, TransientError, UnauthorizedError } from '#shared/errors/index.ts';
import { fromAwsError } from '#shared/errors/aws.ts';

const sdkError = (name: string, status?: number, code?: string): Error =>
  Object.assign(new Error(`${name} happened`), { name, ...(code ? { code } : {}), ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}) });

test('throttling, 5xx, timeouts and connection trouble are transient', () => {
  // Prepare
  const errors = [
    sdkError('ThrottlingException', 400),
    sdkError('ProvisionedThroughputExceededException', 400),
    sdkError('InternalServerError', 500),
    sdkError('SomethingNew', 503),
    sdkError('TimeoutError'),
    sdkError('Error', undefined, 'ECONNRESET'),
  ];
  // Act
  const classified = errors.map((error) => fromAwsError(error, 'reading x'));
  // Assess
  for (const [index, error] of classified.entries()) assert.ok(error instanceof TransientError, errors[index]?.name);
});

test('refused credentials or permissions are Unauthorized, missing resources NotFound, the rest InvalidInput', () => {
  // Act
  const refused = fromAwsError(sdkError('AccessDeniedException', 400), 'KMS Decrypt with k');
  const missing = fromAwsError(sdkError('ResourceNotFoundException', 400), 'reading secret s', { notFound: 'secret s does not exist' });
  const bad = fromAwsError(sdkError('ValidationException', 400), 'recording k');
  // Assess
  assert.ok(refused instanceof UnauthorizedError);
  assert.equal(refused.message, 'KMS Decrypt with k was refused: AccessDeniedException');
  assert.ok(missing instanceof NotFoundError);
  assert.match(missing.message, /secret s does not exist/);
  assert.ok(bad instanceof InvalidInputError);
  assert.match(bad.message, /recording k failed: ValidationException/);
  assert.equal(bad.cause instanceof Error && bad.cause.name, 'ValidationException');
});

test('a failure that got no answer is transient only where the caller says so', () => {
  // Prepare
  const unanswered = sdkError('SerializationError');
  // Act
  const byDefault = fromAwsError(unanswered, 'x');
  const whereTransient = fromAwsError(unanswered, 'x', { unansweredIsTransient: true });
  // Assess
  assert.ok(byDefault instanceof InvalidInputError);
  assert.ok(whereTransient instanceof TransientError);
});
