/**
 * Runs a command against one local control plane started for it:
 *   npx tsx test/support/with-control-plane.ts <command...>
 * The command gets KUBECONFIG (admin) and the variables of control-plane-env.ts.
 * Exits with the command's exit code; keeps the control plane's directory
 * (logs, audit log) when the command failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startControlPlane } from '../../src/local/control-plane.js';
import { controlPlaneEnvOf } from './control-plane-env.js';
import { findFreePort } from '../../src/local/ports.js';

const crdDir = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));

/** Every CustomResourceDefinition in the YAML files of deploy/crds. */
function loadCrds(): object[] {
  if (!existsSync(crdDir)) return [];
  return readdirSync(crdDir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(crdDir, file), 'utf8')).map((doc) => doc.toJS() as unknown))
    .filter((doc): doc is object => (doc as { kind?: string } | null)?.kind === 'CustomResourceDefinition');
}

function run(command: string[], env: Record<string, string>): Promise<number> {
  const [program = '', ...args] = command;
  const child = spawn(program, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  // Let the command wind down on Ctrl-C / SIGTERM, then stop the control plane.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`cannot run ${program}: ${error.message}`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

async function main(): Promise<number> {
  const command = process.argv.slice(2);
  if (command.length === 0) {
    console.error('usage: tsx test/support/with-control-plane.ts <command...>');
    return 2;
  }
  const log = (line: string) => console.error(`[control-plane] ${line}`);
  // Simulated pods, so cluster DNS on loopback (a free port: no pod's resolv.conf names it).
  const controlPlane = await startControlPlane({ crds: loadCrds(), pods: 'simulated', log, dns: { address: '127.0.0.1', port: await findFreePort() } });
  const code = await run(command, controlPlaneEnvOf(controlPlane));
  const keepDir = code !== 0;
  await controlPlane.stop({ keepDir });
  if (keepDir) log(`kept logs and audit log in ${controlPlane.dir}`);
  return code;
}

process.exitCode = await main();
