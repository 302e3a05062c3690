// The JVM heap of an Atomix node. The images' Java 8 sizes the heap from the machine, not the
// container (the java:8 base of 3.1.0–3.1.8 predates container support): a node on a 24 GiB host
// gets a 6 GiB maximum heap whatever its memory limit, and is OOM-killed once it grows past the
// limit. So, unless the user sets JAVA_OPTS, the operator sets -Xmx from the container's memory.
import type { EnvVarSpec, ResourcesSpec } from '../api/schema.js';
import { ATOMIX_VERSIONS, type AtomixVersion } from '../api/versions.js';
import { parseQuantity } from '../kube/quantity.js';

/**
 * Half the memory for the heap: Atomix's messaging (Netty) may use as much direct memory as the
 * heap's maximum outside it, and metaspace, code cache and thread stacks take about 100 MiB more.
 */
const HEAP_FRACTION = 0.5;
/** Below this a JVM with Atomix's classes does not start; a smaller limit gets this much. */
const MIN_HEAP_MIB = 64;
const MIB = 2 ** 20;

/**
 * From 3.1.10 the start script's JAVA_OPTS defaults to these options, and a JAVA_OPTS of ours would
 * replace them, so it repeats them. Up to 3.1.9 (and in atomix-bench) the script hard-codes CMS
 * before $JAVA_OPTS, so a collector of ours would conflict with it: the heap size alone.
 */
const G1_DEFAULT_OPTIONS = '-XX:+UseG1GC -XX:MaxGCPauseMillis=200';
const FIRST_G1_DEFAULT: AtomixVersion = '3.1.10';
/** The releases from FIRST_G1_DEFAULT on; atomix-bench is none of them. */
const G1_DEFAULT_SCRIPTS: readonly StartScript[] = ATOMIX_VERSIONS.slice(ATOMIX_VERSIONS.indexOf(FIRST_G1_DEFAULT));

/** Which start script runs: an atomix/atomix release's, or atomix-bench's (CMS hard-coded). */
export type StartScript = AtomixVersion | 'atomix-bench';

/**
 * JAVA_OPTS for a node group, or nothing when the user sets JAVA_OPTS or gives no memory figure
 * (then the image's defaults apply: a quarter of the machine's memory). The limit decides; without
 * one, the request (what the scheduler reserved for the pod).
 */
export function heapEnv(script: StartScript, env: readonly EnvVarSpec[], resources: ResourcesSpec | undefined): EnvVarSpec[] {
  if (env.some((variable) => variable.name === 'JAVA_OPTS')) return [];
  const memory = resources?.limits?.['memory'] ?? resources?.requests?.['memory'];
  const bytes = memory === undefined ? undefined : quantityBytes(memory);
  if (bytes === undefined) return [];
  const heapMib = Math.max(MIN_HEAP_MIB, Math.floor((bytes * HEAP_FRACTION) / MIB));
  return [{ name: 'JAVA_OPTS', value: [...gcOptions(script), `-Xmx${String(heapMib)}m`].join(' ') }];
}

function gcOptions(script: StartScript): string[] {
  return G1_DEFAULT_SCRIPTS.includes(script) ? [G1_DEFAULT_OPTIONS] : [];
}

function quantityBytes(value: string | number): number | undefined {
  const quantity = parseQuantity(value);
  return quantity === undefined ? undefined : Number(quantity.mantissa) * 10 ** quantity.exponent;
}
