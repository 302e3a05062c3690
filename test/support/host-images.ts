/**
 * Images for the kubelet's real-pod tests that need nothing built: the sandbox shows the
 * host's /usr read-only in every container, so a "shell" image is just an ENTRYPOINT of
 * /bin/sh -c. Any other image is unknown, as a real image store says of images it cannot run.
 */
import type { ImageResolution, ImageStore } from '../../src/local/images/types.js';

export const SHELL_IMAGE = 'local.test/shell:1';
/** The same shell, with an image USER (uid/gid 1000) and ENV, to test how they combine with the pod spec. */
export const SHELL_AS_USER_IMAGE = 'local.test/shell-as-user:1';

export const hostImages: ImageStore = {
  async resolve(image: string): Promise<ImageResolution> {
    const base = {
      image,
      imageID: `${image}@host`,
      entrypoint: ['/bin/sh', '-c'],
      cmd: ['echo no command given'],
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', FROM_IMAGE: 'image', OVERRIDDEN: 'image' },
      workingDir: '/',
      mounts: [],
      // A real image's container layer is writable everywhere; here /var/cache stands for it.
      writableDirs: ['/var/cache/shell'],
    };
    if (image === SHELL_IMAGE) return { ok: true, runtime: base };
    if (image === SHELL_AS_USER_IMAGE) return { ok: true, runtime: { ...base, user: { uid: 1000, gid: 1000 } } };
    return { ok: false, reason: 'ErrImagePull', message: `the local node cannot run image "${image}": the test image store knows only ${SHELL_IMAGE}` };
  },
};
