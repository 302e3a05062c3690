// The argv of a container from its command/args and the image's ENTRYPOINT/CMD, with Kubernetes'
// rules: command replaces ENTRYPOINT and drops CMD; args replace CMD; both `$(VAR)`-expanded
// against the container's variables (not the image's ENV, which the kubelet never sees).
import type { V1Container } from '@kubernetes/client-node';
import { expand, lookupIn } from './expansion.js';

export interface ImageCommand {
  entrypoint: string[];
  cmd: string[];
}

export type CommandResolution = { ok: true; argv: string[] } | { ok: false; message: string };

export function containerArgv(container: Pick<V1Container, 'command' | 'args'>, image: ImageCommand, env: Map<string, string>): CommandResolution {
  const lookup = lookupIn(env);
  const command = container.command?.length ? container.command.map((word) => expand(word, lookup)) : image.entrypoint;
  const args = container.args?.length ? container.args.map((word) => expand(word, lookup)) : container.command?.length ? [] : image.cmd;
  const argv = [...command, ...args];
  if (argv.length === 0) return { ok: false, message: 'no command specified: the container has no command and the image no ENTRYPOINT or CMD' };
  return { ok: true, argv };
}
