// The security settings of every pod the operator renders, by the user its image runs
// as. Images of a non-root user (atomix/atomix 3.1.11+) get everything Pod Security
// "restricted" asks for; root images (atomix/atomix up to 3.1.10, atomix-bench) get the
// same minus the non-root user, which meets "baseline".
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { ATOMIX_USER_ID } from '../api/versions.js';

export interface PodSecurity {
  readonly pod: V1PodSecurityContext;
  readonly container: V1SecurityContext;
}

/** `imageUser`: the uid the group's image runs as (0: root). */
export function podSecurity(imageUser: number): PodSecurity {
  const nonRoot = imageUser !== 0;
  return {
    pod: {
      ...(nonRoot ? ({ runAsNonRoot: true, runAsUser: imageUser, runAsGroup: imageUser } satisfies V1PodSecurityContext) : {}),
      // The data volume must be writable for the atomix group. A non-root image takes over a
      // volume a root image wrote (an upgrade from 3.1.10 to 3.1.11), whose files are the
      // group's to read only: "Always" makes them group-writable on every start, where
      // "OnRootMismatch" would stop at the volume's root, already of that group.
      fsGroup: ATOMIX_USER_ID,
      fsGroupChangePolicy: nonRoot ? 'Always' : 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  };
}
