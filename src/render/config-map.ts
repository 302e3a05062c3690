import type { NodeGroup } from './node-groups.js';
import type { KubeObject, ObjectMeta } from './meta.js';

export const ATOMIX_CONFIG_FILE = 'atomix.conf';

export function configMap(group: NodeGroup, meta: ObjectMeta): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { [ATOMIX_CONFIG_FILE]: group.atomixConfig } };
}
