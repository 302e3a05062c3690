// StrykerJS configuration for scripts/mutation.sh.
// An area's mutants are judged by that area's own unit tests (MUTATION_TESTS: api, controller,
// kube or render): each layer's tests are to pin its behaviour, so the score printed is a lower
// bound on what the whole unit suite kills. The tap runner starts one process per covering test
// file per mutant (about 1 s each here) and most source is covered by files of every area, so
// judging each mutant by the files of every area took several times as long.
import process from 'node:process';

const tests = process.env.MUTATION_TESTS ?? '{api,controller,kube,render}';
// A mutant's covering files run in this order until one fails: the files that kill most of an
// area's mutants go first. crd.test.js compares the whole generated CRD, so it kills every
// mutant of the schema's data, which otherwise ran a dozen files before it.
const FIRST = { api: ['crd', 'validate'], render: ['render'] };
const first = (FIRST[tests] ?? []).map((name) => `.mutation-build/test/unit/${tests}/${name}.test.js`);

export default {
  testRunner: 'tap',
  buildCommand: 'bash scripts/mutation-build.sh',
  tap: {
    testFiles: [...first, `.mutation-build/test/unit/${tests}/**/*.test.js`],
    nodeArgs: ['-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  coverageAnalysis: 'perTest',
  // One test process at a time unless told otherwise: the suite and other work share 2 cores.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 15000,
  reporters: ['clear-text', 'json', 'progress-append-only'],
  clearTextReporter: { reportTests: false, reportMutants: false },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['tools', 'bench', 'dist', '.local', 'reports', '.mutation-build/*', '!.mutation-build/test', 'test/integration', 'test/atomix'],
  mutate: ['src/api/**/*.ts', 'src/render/**/*.ts', 'src/controller/**/*.ts', 'src/kube/{apply,diff,hash,status-apply,work-queue,informer,kubeconfig}.ts'],
  ignoreStatic: true,
  dryRunTimeoutMinutes: 30,
};
