// The cached install scripts (scripts/install-*.sh) print what they built or found on the last
// line of stdout and report progress on stderr; this runs one and hands back both.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface InstallScriptResult {
  exitCode: number | null;
  /** The last line of stdout: the directory or file the script installed. */
  output: string | undefined;
  /** The script's progress and error lines (stderr), also passed to log as they come. */
  messages: string[];
}

export function scriptPath(name: string): string {
  return fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url));
}

export function runInstallScript(script: string, args: readonly string[], log: (line: string) => void): Promise<InstallScriptResult> {
  return new Promise((resolve, reject) => {
    const build = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const messages: string[] = [];
    build.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    build.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().trimEnd().split('\n')) {
        messages.push(line);
        log(line);
      }
    });
    build.on('error', reject);
    build.on('close', (exitCode) => resolve({ exitCode, output: stdout.trim().split('\n').pop() || undefined, messages }));
  });
}

/** Runs a script that must succeed and returns what it printed. */
export async function install(script: string, args: readonly string[], log: (line: string) => void): Promise<string> {
  const result = await runInstallScript(script, args, log);
  if (result.exitCode !== 0 || !result.output) throw new Error(`${script} ${args.join(' ')} failed with exit code ${String(result.exitCode)}`);
  return result.output;
}
