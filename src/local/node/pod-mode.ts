// Chooses how the local nodes run pods: real pods need the Linux pod sandbox (root, namespaces)
// and an image store; where either is missing the nodes fall back to simulated pods, and say so.
import { join } from 'node:path';
import { DEFAULT_RENDER_OPTIONS } from '../../render/index.js';
import { LocalImageStore } from '../images/local-image-store.js';
import type { ImageStore } from '../images/types.js';
import { sandboxSupport, startSandboxRuntime } from '../sandbox/runtime.js';
import type { SandboxRuntime } from '../sandbox/types.js';
import type { PodMode } from './kubelet.js';

export type PodModeChoice = 'real' | 'simulated';

export interface PodModeOptions {
  /** The control plane's directory; the sandbox keeps its state below it. */
  dir: string;
  /** Default: the project's images (src/local/images), built on first use. */
  images?: ImageStore | undefined;
  podCidr?: string | undefined;
  log: (line: string) => void;
}

// The domain the operator renders pod addresses and the discovery service name in.
export const CLUSTER_DOMAIN = DEFAULT_RENDER_OPTIONS.clusterDomain;
/** Pod CIDRs tried in turn when none is given: several control planes may run on one machine. */
const POD_NETWORKS = Array.from({ length: 55 }, (_, index) => ({ cidr: `10.${200 + index}.0.0/16`, bridge: `atomixpods${index}` }));

export async function startPodMode(choice: PodModeChoice, options: PodModeOptions): Promise<{ mode: PodMode; close: () => Promise<void> }> {
  const simulated = (reason: string) => ({ mode: { mode: 'simulated' as const, reason }, close: async () => {} });
  if (choice === 'simulated') return simulated('the control plane was started with simulated pods');
  const support = await sandboxSupport();
  if (!support.ok) {
    const reason = `real pods need the Linux pod sandbox, which is unavailable here: ${support.reason}`;
    options.log(`WARNING: ${reason}; pods are SIMULATED (reported Running and Ready, no process runs)`);
    return simulated(reason);
  }
  const sandboxes = await startPodNetwork(join(options.dir, 'sandbox'), options.podCidr);
  options.log(`real pods: pod network on ${sandboxes.hostAddress} (cluster DNS there, domain ${CLUSTER_DOMAIN})`);
  const images = options.images ?? new LocalImageStore({ log: options.log });
  return { mode: { mode: 'real', sandboxes, images, clusterDomain: CLUSTER_DOMAIN }, close: () => sandboxes.close() };
}

async function startPodNetwork(stateDir: string, podCidr: string | undefined): Promise<SandboxRuntime> {
  const candidates = podCidr ? POD_NETWORKS.map((network) => ({ ...network, cidr: podCidr })) : POD_NETWORKS;
  let lastError: unknown;
  for (const network of candidates) {
    try {
      return await startSandboxRuntime({ ...network, stateDir });
    } catch (error) {
      lastError = error;
      // A given CIDR either works or not; a default one may just be taken by another control plane.
      if (podCidr && !/pod bridge/.test(String(error))) break;
    }
  }
  throw new Error(`cannot create the pod network: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
