import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerArgv } from '../../../src/local/node/command.js';

const image = { entrypoint: ['./bin/atomix-agent'], cmd: ['--help'] };
const env = new Map([['POD_NAME', 'c-0']]);

const cases: Array<[what: string, container: { command?: string[]; args?: string[] }, expected: string[]]> = [
  ['neither: ENTRYPOINT + CMD', {}, ['./bin/atomix-agent', '--help']],
  ['args only: ENTRYPOINT + args, CMD dropped', { args: ['--member', '$(POD_NAME)'] }, ['./bin/atomix-agent', '--member', 'c-0']],
  ['command only: command, CMD dropped', { command: ['java', '-version'] }, ['java', '-version']],
  ['command and args', { command: ['sh', '-c'], args: ['echo $(POD_NAME)'] }, ['sh', '-c', 'echo c-0']],
  ['empty lists count as absent', { command: [], args: [] }, ['./bin/atomix-agent', '--help']],
  ['unknown variables stay verbatim', { args: ['$(NOPE)', '$$(POD_NAME)'] }, ['./bin/atomix-agent', '$(NOPE)', '$(POD_NAME)']],
];

for (const [what, container, expected] of cases) {
  test(`argv with ${what}`, () => {
    assert.deepEqual(containerArgv(container, image, env), { ok: true, argv: expected });
  });
}

test('an image without ENTRYPOINT and CMD and a container without command is refused', () => {
  const result = containerArgv({}, { entrypoint: [], cmd: [] }, env);
  assert.ok(!result.ok);
  assert.match(result.message, /no command specified/);
});

test('the image ENTRYPOINT is not expanded', () => {
  assert.deepEqual(containerArgv({}, { entrypoint: ['$(POD_NAME)'], cmd: [] }, env), { ok: true, argv: ['$(POD_NAME)'] });
});
