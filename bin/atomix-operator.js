#!/usr/bin/env node
// In a checkout (dev dependencies installed) runs the TypeScript sources through
// tsx, so it never runs a stale build; in the image (no tsx) runs the compiled CLI.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = await import('tsx/esm/api').catch(() => undefined);
if (tsx) {
  tsx.register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
}
