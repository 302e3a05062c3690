// Reading back what the renderer put into a group's atomix.conf, so tests compare the running
// cluster with the configuration it was started from.
import { isKind, type KubeObject } from '../../src/render/index.js';

export interface RenderedGroupConfig {
  type: string;
  partitions: number;
  partitionSize?: number;
  members?: string[];
  storage?: { maxEntrySize: string };
}

export interface RenderedAtomixConfig {
  cluster: { clusterId: string; discovery?: { type: string; service: string } };
  managementGroup?: RenderedGroupConfig;
  partitionGroups?: Record<string, RenderedGroupConfig>;
}

export function renderedAtomixConfig(objects: readonly KubeObject[], configMap: string): RenderedAtomixConfig {
  const found = objects.filter(isKind('ConfigMap')).find((o) => o.metadata.name === configMap);
  const text = found?.data?.['atomix.conf'];
  if (text === undefined) throw new Error(`ConfigMap ${configMap} with atomix.conf is not rendered`);
  // The renderer writes JSON, the subset of HOCON without comments or unquoted values.
  return JSON.parse(text) as RenderedAtomixConfig;
}

export function renderedGroup(objects: readonly KubeObject[], configMap: string, group: string): RenderedGroupConfig {
  const config = renderedAtomixConfig(objects, configMap).partitionGroups?.[group];
  if (!config) throw new Error(`ConfigMap ${configMap} configures no partition group ${group}`);
  return config;
}

const BINARY_UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };
const DECIMAL_UNITS: Record<string, number> = { kB: 1e3, MB: 1e6, GB: 1e9 };

/** Bytes of a HOCON memory size as Typesafe Config reads it: K, Ki, KiB are 1024; kB is 1000. */
export function memorySizeBytes(size: string): number {
  const match = /^(\d+)\s*([A-Za-z]*)$/.exec(size);
  if (!match) throw new Error(`not a memory size: ${size}`);
  const [, digits = '', unit = ''] = match;
  const factor = DECIMAL_UNITS[unit] ?? BINARY_UNITS[unit.replace(/iB?$/, '').toUpperCase()];
  if (factor === undefined) throw new Error(`unknown memory size unit in ${size}`);
  return Number(digits) * factor;
}
