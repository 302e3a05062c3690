// Identity of the AtomixCluster API.
export const GROUP = 'agent.atomix.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'AtomixCluster';
export const LIST_KIND = 'AtomixClusterList';
export const PLURAL = 'atomixclusters';
export const SINGULAR = 'atomixcluster';
export const SHORT_NAMES = ['atomix'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;
