// A client for the agent's REST API (/v1, as in the real Atomix 3.1 agent) and for the
// launcher's own /launcher/v1 endpoints.
import assert from 'node:assert/strict';

/** A pod's agent: its name (for messages) and http://<pod IP>:5678. */
export interface AgentEndpoint {
  pod: string;
  httpUrl: string;
}

const REQUEST_TIMEOUT_MS = 60_000;

export interface Reply {
  status: number;
  body: string;
}

/** A string body is sent as text/plain, anything else as JSON, as the agent's resources expect. */
export async function call(node: AgentEndpoint, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (typeof body === 'string') {
    headers['Content-Type'] = 'text/plain';
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${node.httpUrl}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.status, body: await response.text() };
}

/** Calls and asserts a 200, returning the body parsed as JSON, or undefined when empty. */
export async function ok(node: AgentEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const reply = await call(node, method, path, body);
  assert.equal(reply.status, 200, `${method} ${path} on ${node.pod}: ${reply.status} ${reply.body}`);
  return reply.body === '' ? undefined : JSON.parse(reply.body);
}

export interface PartitionInfo {
  id: number;
  term: number | null;
  primary: string | null;
  members: string[] | null;
}

export interface PartitionGroupInfo {
  name: string;
  type: string;
  system: boolean;
  partitions: PartitionInfo[];
}

export async function partitionGroups(node: AgentEndpoint): Promise<PartitionGroupInfo[]> {
  return (await ok(node, 'GET', '/launcher/v1/partition-groups')) as PartitionGroupInfo[];
}

export async function memberIds(node: AgentEndpoint): Promise<string[]> {
  const members = (await ok(node, 'GET', '/v1/cluster/nodes')) as { id: string }[];
  return members.map((member) => member.id).sort();
}
