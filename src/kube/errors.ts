/** Errors from the API server, whichever client produced them. */

/** A failed request made by `KubeClient`'s own HTTP layer (lists, watches, raw requests). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';

  constructor(
    readonly statusCode: number,
    message: string,
    /** The `reason` of the returned Status object, e.g. 'Expired', 'Conflict'. */
    readonly reason?: string,
    /** The `details` of the returned Status object: what it is about, and why. */
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
}

export interface StatusDetails {
  readonly kind?: string;
  readonly name?: string;
  /** StatusCause: its type travels as `reason`, e.g. 'NamespaceTerminating'. */
  readonly causes?: readonly { reason?: string; message?: string; field?: string }[];
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
  const status = (typeof body === 'object' && body !== null ? body : {}) as { code?: unknown; message?: unknown; reason?: unknown; details?: unknown };
  const code = typeof status.code === 'number' ? status.code : statusCode;
  const message = typeof status.message === 'string' ? status.message : `HTTP ${statusCode}`;
  const details = typeof status.details === 'object' && status.details !== null ? (status.details as StatusDetails) : undefined;
  return new KubeApiError(code, message, typeof status.reason === 'string' ? status.reason : undefined, details);
}

/**
 * The namespace of the request is being deleted (the API server refuses new objects there) or is
 * gone: nothing the operator could create there would last, so the pass ends without writing more.
 */
export function isNamespaceGone(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (error.statusCode === 404) return error.details?.kind === 'namespaces';
  return error.statusCode === 403 && (error.details?.causes ?? []).some((cause) => cause.reason === 'NamespaceTerminating');
}
