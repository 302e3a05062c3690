// The contract between the local kubelet (src/local/node) and the local image store
// (src/local/images): which images can run here, and what their files and defaults are.
import type { Mount } from '../sandbox/types.js';

/** What an image contributes to a container, as an image config (ENTRYPOINT, CMD, ENV, WORKDIR, USER) would. */
export interface ImageRuntime {
  /** The image reference it was resolved from, and an id for containerStatuses[].imageID. */
  image: string;
  imageID: string;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  /** The image's USER, when it sets one. */
  user?: { uid: number; gid: number } | undefined;
  /** The image's own files (e.g. /opt/atomix), mounted read-only before any volume. */
  mounts: Mount[];
  /**
   * Directories inside those read-only mounts that the image writes to (its container layer in a
   * real runtime: /opt/atomix/log for the file log, /opt/atomix/data as the default data
   * directory). The kubelet mounts a fresh writable directory, owned by the image's user, at each
   * for every container, unless a volume is mounted there.
   */
  writableDirs: string[];
}

export type ImageResolution =
  | { ok: true; runtime: ImageRuntime }
  /** reason as a kubelet reports it in containerStatuses[].state.waiting: ErrImagePull, InvalidImageName, … */
  | { ok: false; reason: string; message: string };

export interface ImageStore {
  /** Resolves an image, building it on first use (cached); never resolves an image it cannot really run. */
  resolve(image: string): Promise<ImageResolution>;
}
