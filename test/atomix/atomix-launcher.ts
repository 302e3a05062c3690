// The Atomix 3.1 runtime for the tests: the agent stand-in built by
// scripts/install-atomix.sh, and the JVM flags it needs on Java 17.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/manifests.js';

export const AGENT_MAIN_CLASS = 'io.atomixoperator.agent.AgentMain';

export const JVM_OPTIONS: readonly string[] = [
  // Each node is small; several share 2 cores in the tests.
  '-Xmx192m',
  '-Xss512k',
  // Fewer GC threads and less start-up compilation on a CPU-starved machine.
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  // Limits the ClassGraph scan for primitive and protocol types to Atomix's own packages.
  '-Dio.atomix.whitelistPackages=io.atomix',
  // The only opening Java 17 requires: Atomix registers AtomicBoolean/AtomicInteger/AtomicLong
  // with Kryo 4, which builds a FieldSerializer that makes their private fields accessible.
  '--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED',
];

/**
 * Builds (or finds in the cache) the atomix/atomix:3.1.12 image directory, and returns its
 * lib/system: the launcher and its dependency closure, the directory to put on the classpath. Throws, with Maven's output, when it cannot be built:
 * the Atomix tests must fail, not skip, without their runtime.
 */
export async function installAtomix(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(join(repoRoot, 'scripts/install-atomix.sh'), [], { maxBuffer: 16 * 1024 * 1024 });
    return join(stdout.trim(), 'lib/system');
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`scripts/install-atomix.sh failed: ${message}\n${stderr ?? ''}`, { cause: error });
  }
}
