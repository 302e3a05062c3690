import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { PodTokens, refreshTime, type RequestToken } from '../../../src/local/node/service-account-tokens.js';

const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { serviceAccountName: 'sa', containers: [] } };
const HOUR = 3600_000;

/** A TokenRequest API that issues numbered tokens valid for the requested seconds, or fails while `failing`. */
function fakeApi(clock: { now: number }) {
  const requests: { audiences: string[]; expirationSeconds: number }[] = [];
  const api = {
    requests,
    failing: false,
    request: (async (_pod, request) => {
      if (api.failing) throw new Error('apiserver unavailable');
      requests.push(request);
      return { token: `token-${requests.length}`, expirationTimestamp: new Date(clock.now + request.expirationSeconds * 1000) };
    }) as RequestToken,
  };
  return api;
}

test('tokens are renewed at 80 % of their lifetime, or after 24 hours for long-lived ones', () => {
  assert.equal(refreshTime(0, HOUR), 0.8 * HOUR);
  assert.equal(refreshTime(1000, 1000 + 600_000), 1000 + 480_000);
  assert.equal(refreshTime(0, 365 * 24 * HOUR), 24 * HOUR);
});

test('a pod keeps its token until the refresh time, then gets a new one', async () => {
  const clock = { now: 1_000_000 };
  const api = fakeApi(clock);
  const tokens = new PodTokens(api.request, () => clock.now);
  assert.equal(tokens.refreshDueAt, undefined);
  assert.equal(await tokens.token(pod, { path: 'token', expirationSeconds: 3600, audience: 'vault' }), 'token-1');
  assert.deepEqual(api.requests, [{ audiences: ['vault'], expirationSeconds: 3600 }]);
  assert.equal(tokens.refreshDueAt, 1_000_000 + 0.8 * HOUR);
  clock.now += 0.8 * HOUR - 1;
  assert.equal(await tokens.token(pod, { path: 'token', expirationSeconds: 3600, audience: 'vault' }), 'token-1');
  clock.now += 1;
  assert.equal(await tokens.token(pod, { path: 'token', expirationSeconds: 3600, audience: 'vault' }), 'token-2');
  assert.equal(api.requests.length, 2);
});

test('projections with another audience or lifetime get tokens of their own; no audience means the API server’s', async () => {
  const clock = { now: 0 };
  const api = fakeApi(clock);
  const tokens = new PodTokens(api.request, () => clock.now);
  assert.equal(await tokens.token(pod, { path: 'a' }), 'token-1');
  assert.equal(await tokens.token(pod, { path: 'b', expirationSeconds: 600 }), 'token-2');
  assert.equal(await tokens.token(pod, { path: 'c', audience: 'x' }), 'token-3');
  assert.equal(await tokens.token(pod, { path: 'd' }), 'token-1');
  assert.deepEqual(api.requests, [
    { audiences: [], expirationSeconds: 3600 },
    { audiences: [], expirationSeconds: 600 },
    { audiences: ['x'], expirationSeconds: 3600 },
  ]);
  assert.equal(tokens.refreshDueAt, 480_000);
});

test('a failed renewal keeps the still valid token and tries again in 10 s; without a valid token it fails', async () => {
  const clock = { now: 0 };
  const api = fakeApi(clock);
  const tokens = new PodTokens(api.request, () => clock.now);
  await tokens.token(pod, { path: 'token', expirationSeconds: 600 });
  clock.now = 500_000;
  api.failing = true;
  assert.equal(await tokens.token(pod, { path: 'token', expirationSeconds: 600 }), 'token-1');
  assert.equal(tokens.refreshDueAt, 510_000);
  clock.now = 600_000;
  await assert.rejects(tokens.token(pod, { path: 'token', expirationSeconds: 600 }), /apiserver unavailable/);
  assert.equal(tokens.refreshDueAt, 610_000);
  api.failing = false;
  assert.equal(await tokens.token(pod, { path: 'token', expirationSeconds: 600 }), 'token-2');
  assert.equal(tokens.refreshDueAt, 600_000 + 480_000);
});
