// The uid, gid and supplementary groups a container runs with: securityContext (container,
// then pod) over the image's USER, fsGroup added to the groups, runAsNonRoot enforced.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { WaitingError } from './container.js';

export interface ContainerUser {
  uid: number;
  gid: number;
  supplementalGroups: number[];
}

export function containerUser(pod: V1Pod, container: V1Container, imageUser: { uid: number; gid: number } | undefined): ContainerUser {
  const podContext = pod.spec?.securityContext;
  const context = container.securityContext;
  const uid = context?.runAsUser ?? podContext?.runAsUser ?? imageUser?.uid ?? 0;
  // Without runAsGroup the runtime takes the primary group of the image's user, when that is the user.
  const gid = context?.runAsGroup ?? podContext?.runAsGroup ?? (imageUser && imageUser.uid === uid ? imageUser.gid : 0);
  if ((context?.runAsNonRoot ?? podContext?.runAsNonRoot) && uid === 0) {
    throw new WaitingError('CreateContainerConfigError', 'container has runAsNonRoot and image will run as root');
  }
  const groups = [...(podContext?.fsGroup !== undefined ? [podContext.fsGroup] : []), ...(podContext?.supplementalGroups ?? [])];
  return { uid, gid, supplementalGroups: [...new Set(groups)] };
}
