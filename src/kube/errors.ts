/** Errors from the API server, whichever client produced them. */

/** A failed request made by `KubeClient`'s own HTTP layer (lists, watches, raw requests). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';

  constructor(
    readonly statusCode: number,
    message: string,
    /** The `reason` of the returned Status object, e.g. 'Expired', 'Conflict'. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * HTTP status of an API failure: `KubeApiError.statusCode`, or `code` of client-node's
 * ApiException. Undefined for failures without a response (network, abort).
 */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isGone = (error: unknown): boolean => statusCodeOf(error) === 410;

/** Builds a KubeApiError from a Status object body, falling back to the HTTP status. */
export function errorFromStatus(statusCode: number, body: unknown): KubeApiError {
  const status = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; reason?: unknown };
  const code = typeof status.code === 'number' ? status.code : statusCode;
  const message = typeof status.message === 'string' ? status.message : `HTTP ${statusCode}`;
  return new KubeApiError(code, message, typeof status.reason === 'string' ? status.reason : undefined);
}
