// Prints the mutation score of each area from Stryker's JSON report (mutation-testing-report-schema):
// score = detected (killed or timed out) / valid mutants (detected + survived + no coverage).
import { readFileSync } from 'node:fs';

interface Report {
  files: Record<string, { mutants: { status: string }[] }>;
}

const [reportPath = 'reports/mutation/mutation.json', ...areas] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const areaOf = (file: string) => areas.find((area) => file.startsWith(`src/${area}/`) || file === `src/${area}.ts`);

const counts = new Map<string, Record<string, number>>();
for (const [file, { mutants }] of Object.entries(report.files)) {
  const area = areaOf(file);
  if (area === undefined) continue;
  const count = counts.get(area) ?? {};
  for (const { status } of mutants) count[status] = (count[status] ?? 0) + 1;
  counts.set(area, count);
}

console.log('\narea               score  killed  timeout  survived  no-coverage');
for (const area of areas) {
  const c = counts.get(area) ?? {};
  const detected = (c['Killed'] ?? 0) + (c['Timeout'] ?? 0);
  const valid = detected + (c['Survived'] ?? 0) + (c['NoCoverage'] ?? 0);
  const score = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)} %`;
  const cell = (status: string, width: number) => String(c[status] ?? 0).padStart(width);
  console.log(`${area.padEnd(17)} ${score.padStart(7)} ${cell('Killed', 7)} ${cell('Timeout', 8)} ${cell('Survived', 9)} ${cell('NoCoverage', 12)}`);
}
