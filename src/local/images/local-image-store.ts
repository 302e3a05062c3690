// The images this machine can run, built locally instead of pulled: atomix/atomix:3.1.N from
// that release's libraries on Maven Central and atomix/atomix-bench:latest
// (scripts/install-atomix.sh builds them, cached), and the operator's own image,
// atomix/atomix-operator:<package.json version>, compiled from this checkout as the Dockerfile
// compiles it (scripts/install-operator-image.sh, cached). Any other image is refused the way a
// kubelet reports a failed pull, with a message that says why.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ATOMIX_IMAGE, BENCH_IMAGE } from '../../render/node-groups.js';
import { runInstallScript, scriptPath } from '../install-script.js';
import { parseImageReference, shortRepository, type ImageReference } from './image-reference.js';
import type { ImageResolution, ImageRuntime, ImageStore } from './types.js';

export type LocalImage = { kind: 'atomix'; version: string } | { kind: 'atomix-bench' } | { kind: 'operator' };

type InstallOutcome = { ok: true; dir: string } | { ok: false; message: string };

/** Builds an image's directory, or finds it in the cache. */
export type ImageInstaller = (image: LocalImage, log: (line: string) => void) => Promise<InstallOutcome>;

export interface LocalImageStoreOptions {
  /** Default: scripts/install-atomix.sh, which builds on first use and then answers from its cache. */
  installer?: ImageInstaller;
  /** Progress of first-use builds (a first build of a version takes 10–60 s). */
  log?: (line: string) => void;
}

/** What scripts/install-atomix.sh writes as image.json: the image's config, as `docker inspect` shows it. */
interface ImageConfig {
  root: string;
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: { uid: number; gid: number } | null;
  env: Record<string, string>;
  writableDirs: string[];
  /** Host directories the image needs besides its own (read-only), e.g. a node outside /usr. */
  mounts?: { hostPath: string; containerPath: string }[];
  id: string;
}

type BuiltImage = { ok: true; runtime: Omit<ImageRuntime, 'image'> } | { ok: false; message: string };

const ATOMIX_REPOSITORY = `docker.io/${ATOMIX_IMAGE}`;
const [BENCH_NAME = '', BENCH_TAG] = BENCH_IMAGE.split(':');
const BENCH_REPOSITORY = `docker.io/${BENCH_NAME}`;
const ATOMIX_3_1_TAG = /^3\.1\.(0|[1-9]\d*)$/;
/** deploy/operator.yaml's image: this checkout's operator, tagged with package.json's version. */
export const OPERATOR_IMAGE = `atomix/atomix-operator:${packageVersion()}`;
const [OPERATOR_NAME = ''] = OPERATOR_IMAGE.split(':');
const OPERATOR_REPOSITORY = `docker.io/${OPERATOR_NAME}`;

export class LocalImageStore implements ImageStore {
  private readonly installer: ImageInstaller;
  private readonly log: (line: string) => void;
  /** Builds in progress or done, by image; a failed build is tried again at the next resolve. */
  private readonly builds = new Map<string, Promise<BuiltImage>>();

  constructor(options: LocalImageStoreOptions = {}) {
    this.installer = options.installer ?? installWithScript;
    this.log = options.log ?? (() => {});
  }

  async resolve(image: string): Promise<ImageResolution> {
    const parsed = parseImageReference(image);
    if (!parsed.ok) return { ok: false, reason: 'InvalidImageName', message: parsed.message };
    const known = localImageOf(parsed.reference);
    if (typeof known === 'string') return { ok: false, reason: 'ErrImagePull', message: `cannot run ${image}: ${known}` };
    const key = known.kind === 'atomix' ? `${ATOMIX_IMAGE}:${known.version}` : known.kind === 'operator' ? OPERATOR_IMAGE : BENCH_IMAGE;
    let build = this.builds.get(key);
    if (!build) {
      build = this.build(known, parsed.reference.repository);
      this.builds.set(key, build);
      void build.then((resolution) => resolution.ok || this.builds.delete(key));
    }
    const built = await build;
    if (!built.ok) return { ok: false, reason: 'ErrImagePull', message: `cannot run ${image}: ${built.message}` };
    return { ok: true, runtime: { image, ...built.runtime } };
  }

  private async build(image: LocalImage, repository: string): Promise<BuiltImage> {
    try {
      const outcome = await this.installer(image, this.log);
      if (!outcome.ok) return outcome;
      const config = JSON.parse(await readFile(join(outcome.dir, 'image.json'), 'utf8')) as ImageConfig;
      return { ok: true, runtime: runtimeOf(outcome.dir, config, repository) };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** The local image a reference names, or why there is none. */
function localImageOf(reference: ImageReference): LocalImage | string {
  const name = shortRepository(reference);
  const tag = reference.tag;
  // A digest names bytes of a registry this machine cannot reach; the tag says what to build.
  if (tag === undefined && reference.digest !== undefined) return `a digest alone does not say which version to build; name the tag (${name}:TAG)`;
  if (reference.repository === ATOMIX_REPOSITORY) {
    if (tag !== undefined && ATOMIX_3_1_TAG.test(tag)) return { kind: 'atomix', version: tag };
    return `${name}:${tag ?? 'latest'} is not an Atomix 3.1 release; this node builds ${ATOMIX_IMAGE}:3.1.N from Maven Central`;
  }
  if (reference.repository === BENCH_REPOSITORY) {
    if ((tag ?? 'latest') === BENCH_TAG) return { kind: 'atomix-bench' };
    return `${BENCH_NAME} was only ever published as ${BENCH_IMAGE}`;
  }
  if (reference.repository === OPERATOR_REPOSITORY) {
    if (tag !== undefined && `${OPERATOR_NAME}:${tag}` === OPERATOR_IMAGE) return { kind: 'operator' };
    return `this node builds only this checkout's operator, ${OPERATOR_IMAGE}`;
  }
  return `this node runs no containers from registries, only the images it builds itself (${ATOMIX_IMAGE}:3.1.N, ${BENCH_IMAGE} and ${OPERATOR_IMAGE})`;
}

function runtimeOf(dir: string, config: ImageConfig, repository: string): Omit<ImageRuntime, 'image'> {
  return {
    imageID: `${repository}@${config.id}`,
    entrypoint: config.entrypoint,
    cmd: config.cmd,
    env: config.env,
    workingDir: config.workingDir,
    user: config.user ?? undefined,
    mounts: [{ hostPath: dir, containerPath: config.root }, ...(config.mounts ?? [])].map((mount) => ({ ...mount, readOnly: true })),
    writableDirs: config.writableDirs,
  };
}

async function installWithScript(image: LocalImage, log: (line: string) => void): Promise<InstallOutcome> {
  const [name, args] = image.kind === 'operator' ? ['install-operator-image', []] : ['install-atomix', [image.kind === 'atomix' ? image.version : 'bench']];
  const result = await runInstallScript(scriptPath(`${name}.sh`), args, log);
  if (result.exitCode === 0 && result.output) return { ok: true, dir: result.output };
  const why = result.messages.filter((line) => line.startsWith(`${name}:`)).pop()?.slice(name.length + 2);
  return { ok: false, message: why ?? `scripts/${name}.sh failed with exit code ${String(result.exitCode)}: ${result.messages.slice(-5).join(' ')}` };
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
