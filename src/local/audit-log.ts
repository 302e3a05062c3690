import { readFileSync } from 'node:fs';

/** One request from the apiserver's audit log (JSON lines, level Metadata). */
export interface AuditedRequest {
  /** When the apiserver received the request. */
  time: Date;
  user: string;
  verb: string;
  apiGroup: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** HTTP status of the response. */
  code?: number;
}

const writeVerbs: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  impersonatedUser?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
}

/** The completed requests in an audit log, oldest first; impersonated requests count as the impersonated user's. */
function readAuditLog(path: string): AuditedRequest[] {
  const text = readFileSync(path, 'utf8');
  // The apiserver may be in the middle of appending the last line.
  const completeLines = text.slice(0, text.lastIndexOf('\n') + 1);
  return completeLines
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.stage === 'ResponseComplete')
    .map((event) => ({
      time: new Date(event.requestReceivedTimestamp ?? 0),
      user: event.impersonatedUser?.username ?? event.user?.username ?? '',
      verb: event.verb ?? '',
      apiGroup: event.objectRef?.apiGroup ?? '',
      resource: event.objectRef?.resource,
      subresource: event.objectRef?.subresource,
      namespace: event.objectRef?.namespace,
      name: event.objectRef?.name,
      code: event.responseStatus?.code,
    }));
}

/** Write requests (create, update, patch, delete, deletecollection) received at or after since, optionally of one user. */
export function writeRequests(path: string, filter: { user?: string; since?: Date } = {}): AuditedRequest[] {
  const since = filter.since?.getTime() ?? 0;
  return readAuditLog(path).filter(
    (request) =>
      writeVerbs.has(request.verb) &&
      request.time.getTime() >= since &&
      (filter.user === undefined || request.user === filter.user),
  );
}
