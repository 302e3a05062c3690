// Container image references as the kubelet and Docker read them:
// [registry/]repository[:tag][@digest], with Docker Hub as the default registry.

export interface ImageReference {
  /** Normalised: docker.io/atomix/atomix, docker.io/library/busybox, quay.io/x/y. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export type ParsedReference = { ok: true; reference: ImageReference } | { ok: false; message: string };

const DOCKER_HUB = 'docker.io';
// The grammar of github.com/distribution/reference (the parser container runtimes use).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export function parseImageReference(image: string): ParsedReference {
  const invalid = (why: string): ParsedReference => ({ ok: false, message: `invalid image name ${JSON.stringify(image)}: ${why}` });
  if (image === '' || image.trim() !== image) return invalid('empty or surrounded by spaces');
  const [nameAndTag = '', digest, ...extra] = image.split('@');
  if (extra.length > 0) return invalid('more than one @');
  if (digest !== undefined && !DIGEST.test(digest)) return invalid(`digest ${digest} is not algorithm:hex`);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const name = colon < 0 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon < 0 ? undefined : nameAndTag.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) return invalid(`tag ${JSON.stringify(tag)} is not a valid tag`);
  const components = name.split('/');
  const first = components[0] ?? '';
  const hasDomain = components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) return invalid(`registry ${first} is not a host name`);
  const path = hasDomain ? components.slice(1) : components;
  const bad = path.find((component) => !PATH_COMPONENT.test(component));
  if (bad !== undefined) return invalid(`repository part ${JSON.stringify(bad)} must be lower-case letters, digits and separators`);
  const registry = !hasDomain || first === 'index.docker.io' ? DOCKER_HUB : first;
  // Docker Hub's official images live under library/.
  const repositoryPath = registry === DOCKER_HUB && path.length === 1 ? ['library', ...path] : path;
  return { ok: true, reference: { repository: [registry, ...repositoryPath].join('/'), tag, digest } };
}

/** The repository in Docker Hub's short form when it is on Docker Hub: atomix/atomix. */
export function shortRepository(reference: ImageReference): string {
  return reference.repository.startsWith(`${DOCKER_HUB}/`) ? reference.repository.slice(DOCKER_HUB.length + 1) : reference.repository;
}
