/**
 * Starts a pod sandbox runtime on the given state directory with one pod running a container
 * (which leaves a background child), prints the pod's IP and host veth as a JSON line and
 * then idles until it is killed; for testing what is left when the owner of a runtime dies.
 */
import { join } from 'node:path';
import { hostVethName } from '../../src/local/sandbox/network.js';
import { startSandboxRuntime } from '../../src/local/sandbox/runtime.js';
import { testPodNetwork } from './sandbox.js';

const [stateDir = ''] = process.argv.slice(2);
const runtime = await startSandboxRuntime(testPodNetwork(stateDir));
const sandbox = await runtime.createSandbox({ podUid: 'owner-fixture', hostname: 'fixture', namespace: 'default', clusterDomain: 'cluster.local', resolvConf: '' });
const container = await sandbox.start({
  name: 'sleeper',
  argv: ['sh', '-c', 'sleep 600 & sleep 600'],
  env: {},
  workingDir: '/',
  mounts: [],
  logPath: join(stateDir, '..', 'sleeper.log'),
});
console.log(JSON.stringify({ ip: sandbox.ip, veth: hostVethName(sandbox.ip), mainPid: container.pid }));
setInterval(() => {}, 60_000);
