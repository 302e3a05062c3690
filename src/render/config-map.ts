import type { NodeGroup } from './node-groups.js';
import type { ConfigMapObject, ObjectMeta } from './meta.js';

export const ATOMIX_CONFIG_FILE = 'atomix.conf';

export function configMap(group: NodeGroup, meta: ObjectMeta): ConfigMapObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { [ATOMIX_CONFIG_FILE]: group.atomixConfig } };
}
