// The tokens of a pod's serviceAccountToken projections, as the kubelet's token manager keeps
// them: requested through the TokenRequest API, bound to the pod, kept while fresh and
// requested again once older than 80 % of their lifetime or 24 hours, whichever comes first.
import type { V1Pod, V1ServiceAccountTokenProjection } from '@kubernetes/client-node';

/** What the TokenRequest API answered. */
export interface IssuedToken {
  token: string;
  expirationTimestamp: Date;
}

/** A TokenRequest for the pod's ServiceAccount, bound to the pod (boundObjectRef). */
export type RequestToken = (pod: V1Pod, request: { audiences: string[]; expirationSeconds: number }) => Promise<IssuedToken>;

/** The projection's default lifetime (the API server defaults expirationSeconds to one hour). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
const REFRESH_AT_FRACTION_OF_TTL = 0.8;
const MAX_TOKEN_AGE_MS = 24 * 3600_000;
/** A failed request is tried again this soon (the pod waits, or keeps its still valid token meanwhile). */
const RETRY_MS = 10_000;

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/** When the kubelet renews a token issued at `issuedAt` that expires at `expiresAt` (ms since the epoch). */
export function refreshTime(issuedAt: number, expiresAt: number): number {
  return issuedAt + Math.min((expiresAt - issuedAt) * REFRESH_AT_FRACTION_OF_TTL, MAX_TOKEN_AGE_MS);
}

/** One pod's tokens: the pod's worker owns it, so they go with the pod. */
export class PodTokens {
  private readonly cache = new Map<string, CachedToken>();
  /** Set while a request for a token the pod does not have yet failed. */
  private retryAt: number | undefined;

  constructor(
    private readonly request: RequestToken,
    private readonly now: () => number = Date.now,
  ) {}

  /** The earliest time a token needs renewing (or a failed request trying again), if any. */
  get refreshDueAt(): number | undefined {
    const times = [...this.cache.values()].map((cached) => cached.refreshAt);
    if (this.retryAt !== undefined) times.push(this.retryAt);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** The current token for the projection: the cached one while it is fresh, otherwise a new one. */
  async token(pod: V1Pod, projection: V1ServiceAccountTokenProjection): Promise<string> {
    const audiences = projection.audience ? [projection.audience] : [];
    const expirationSeconds = projection.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const key = `${pod.spec?.serviceAccountName ?? 'default'}|${audiences.join(',')}|${expirationSeconds}`;
    const cached = this.cache.get(key);
    const requestedAt = this.now();
    if (cached && requestedAt < cached.refreshAt) return cached.token;
    try {
      const issued = await this.request(pod, { audiences, expirationSeconds });
      const expiresAt = issued.expirationTimestamp.getTime();
      this.cache.set(key, { token: issued.token, expiresAt, refreshAt: refreshTime(requestedAt, expiresAt) });
      this.retryAt = undefined;
      return issued.token;
    } catch (error) {
      // The kubelet keeps a token that is still valid when renewing it fails, and tries again.
      if (!cached || requestedAt >= cached.expiresAt) {
        this.cache.delete(key);
        this.retryAt = requestedAt + RETRY_MS;
        throw error;
      }
      cached.refreshAt = requestedAt + RETRY_MS;
      return cached.token;
    }
  }
}
