// atomix-operator: the command line. Each command is a thin shell over the
// api/render/controller/local modules.
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { customResourceDefinition } from '../api/crd.js';
import { renderCluster, DEFAULT_RENDER_OPTIONS } from '../render/index.js';
import { toYamlDocuments } from '../render/yaml.js';
import { formatProblems, parseClusters, readInput } from './manifests.js';

const program = new Command('atomix-operator')
  .description('Kubernetes operator for Atomix 3.1 clusters (AtomixCluster, agent.atomix.io/v1alpha1)')
  .showHelpAfterError();

program
  .command('render')
  .description('Validate AtomixCluster manifests like the API server would and print every object the operator would create, as YAML')
  .requiredOption('-f, --filename <file>', 'manifest file, or - for stdin')
  .addOption(new Option('--cluster-domain <domain>', 'DNS domain of the Kubernetes cluster').default(DEFAULT_RENDER_OPTIONS.clusterDomain))
  .action(async (options: { filename: string; clusterDomain: string }) => {
    const parsed = parseClusters(await readInput(options.filename));
    if (!parsed.ok) {
      process.stderr.write(`${formatProblems(options.filename, parsed.problems)}\n`);
      process.exitCode = 1;
      return;
    }
    const objects = parsed.clusters.flatMap((cluster) => renderCluster(cluster, { clusterDomain: options.clusterDomain }));
    process.stdout.write(toYamlDocuments(objects));
  });

program
  .command('crd')
  .description('Print the AtomixCluster CustomResourceDefinition')
  .action(() => {
    process.stdout.write(stringify(customResourceDefinition(), { lineWidth: 0 }));
  });

await program.parseAsync(process.argv);
