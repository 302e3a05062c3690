// atomix-operator: the command line. Each command is a thin shell over the
// api/render/controller/local modules, imported by its action: `run` must not pay for
// the local control plane (which loads @kubernetes/client-node) nor the others for `run`.
import { Command, Option } from 'commander';
import { renderCluster, DEFAULT_RENDER_OPTIONS } from '../render/index.js';
import { createLogger } from './logger.js';

const program = new Command('atomix-operator')
  .description('Kubernetes operator for Atomix 3.1 clusters (AtomixCluster, agent.atomix.io/v1alpha1)')
  .showHelpAfterError();

program
  .command('render')
  .description('Validate AtomixCluster manifests like the API server would and print every object the operator would create, as YAML')
  .requiredOption('-f, --filename <file>', 'manifest file, or - for stdin')
  .addOption(new Option('--cluster-domain <domain>', 'DNS domain of the Kubernetes cluster').default(DEFAULT_RENDER_OPTIONS.clusterDomain))
  .option('--previous <file>', 'the same clusters as stored now: refuse the changes the API server would refuse (in-place resizes, the 3.1.5/3.1.6 line without FullRestart, ...)')
  .action(async (options: { filename: string; clusterDomain: string; previous?: string }) => {
    const { formatProblems, readClusters } = await import('./manifests.js');
    const { toYamlDocuments } = await import('../render/yaml.js');
    const parsed = await readClusters(options.filename, options.previous);
    if (!parsed.ok) {
      process.stderr.write(`${formatProblems(parsed.source, parsed.problems)}\n`);
      process.exitCode = 1;
      return;
    }
    const objects = parsed.clusters.flatMap((cluster) => renderCluster(cluster, { clusterDomain: options.clusterDomain }));
    process.stdout.write(toYamlDocuments(objects));
  });

program
  .command('crd')
  .description('Print the AtomixCluster CustomResourceDefinition')
  .action(async () => {
    const { stringify } = await import('yaml');
    const { customResourceDefinition } = await import('../api/crd.js');
    process.stdout.write(stringify(customResourceDefinition(), { lineWidth: 0 }));
  });

interface RunCommandOptions {
  kubeconfig?: string;
  namespace: string[];
  metricsPort: number;
  concurrency: number;
  resyncSeconds: number;
  clusterDomain: string;
  leaderElect?: boolean;
  leaseNamespace?: string;
  logLevel: string;
}

/** Split by namespacesFromEnv in the action, once run.js is loaded. */
const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('run')
  .description('Run the operator: reconcile AtomixClusters in the watched namespaces until SIGTERM')
  .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
  .option('-n, --namespace <namespace>', 'namespace to watch; repeat or comma-separate for several (default: WATCH_NAMESPACE, else all)', collect, [])
  .addOption(new Option('--metrics-port <port>', 'port of /metrics, /healthz and /readyz').default(8080).argParser(Number))
  .addOption(new Option('--concurrency <n>', 'clusters reconciled at once (never one cluster twice)').default(4).argParser(Number))
  .addOption(new Option('--resync-seconds <s>', 'reconcile every cluster this often even without events (writes only on drift)').default(600).argParser(Number))
  .addOption(new Option('--cluster-domain <domain>', 'DNS domain of the Kubernetes cluster').default(DEFAULT_RENDER_OPTIONS.clusterDomain))
  .option('--leader-elect', 'hold a Lease so that only one operator replica reconciles (needs RBAC on leases; renewals are writes)')
  .option('--lease-namespace <namespace>', 'namespace of the Lease (default: POD_NAMESPACE, else the first watched namespace, else default)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .action(async (options: RunCommandOptions) => {
    const { namespacesFromEnv, runOperator } = await import('./run.js');
    const flagged = options.namespace.flatMap(namespacesFromEnv);
    const namespaces = flagged.length > 0 ? flagged : namespacesFromEnv(process.env['WATCH_NAMESPACE']);
    const leaseNamespace = options.leaseNamespace ?? process.env['POD_NAMESPACE'] ?? namespaces[0] ?? 'default';
    await runOperator(
      {
        ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
        namespaces,
        metricsPort: options.metricsPort,
        concurrency: options.concurrency,
        resyncSeconds: options.resyncSeconds,
        renderOptions: { clusterDomain: options.clusterDomain },
        ...(options.leaderElect ? { leaseNamespace } : {}),
      },
      createLogger(options.logLevel),
    );
  });

program
  .command('local')
  .description('Start a Kubernetes control plane on loopback, install the CRD, run the operator and the example cluster until Ctrl-C')
  .option('--dir <dir>', 'working directory: data, logs and the kubeconfig', '.local')
  .option('--no-example', 'do not create the example AtomixCluster')
  .addOption(
    new Option('--pods <mode>', 'real: every pod a process in its own sandbox (Linux and root; simulated otherwise, with a warning); simulated: pods only reported Running')
      .choices(['real', 'simulated'])
      .default('real'),
  )
  .action(async (options: { dir: string; example: boolean; pods: 'real' | 'simulated' }) => {
    const { runLocal } = await import('./local.js');
    await runLocal(options, (line) => process.stdout.write(`${line}\n`));
  });

await program.parseAsync(process.argv);
