import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ManagedProcess } from './managed-process.js';

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Fail at once, with the end of its log, if one of these processes exits while we wait. */
  processes?: ManagedProcess[];
}

/**
 * Polls check until it returns a value other than undefined or false, and
 * returns that value. Errors thrown by check count as "not yet".
 */
export async function waitUntil<T>(check: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    for (const process of options.processes ?? []) {
      if (!process.running) throw process.unexpectedExitError();
    }
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The status code of a GET. For https, ca verifies the server; without ca the
 * certificate is not checked (components that serve a throwaway self-signed one).
 */
export function httpGetStatus(url: string, ca?: string): Promise<number> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, { ca, rejectUnauthorized: ca !== undefined, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}
