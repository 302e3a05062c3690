// Prints the mutation score of each area from Stryker's JSON reports (mutation-testing-report-schema):
// score = detected (killed or timed out) / valid mutants (detected + survived + no coverage).
// Arguments: AREA[,AREA...]=REPORT=SECONDS, one per Stryker run. Exits 1 when an area is below the target.
import { readFileSync } from 'node:fs';

const TARGET_PERCENT = 85;

interface Report {
  files: Record<string, { mutants: { status: string }[] }>;
}

function statusCounts(reportPath: string, area: string): Record<string, number> {
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  const inArea = (file: string) => file.startsWith(`src/${area}/`) || file === `src/${area}.ts`;
  const counts: Record<string, number> = {};
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (!inArea(file)) continue;
    for (const { status } of mutants) counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

const duration = (seconds: number) => `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;

let belowTarget = 0;
console.log('\narea                score  killed  timeout  survived  no-coverage  ignored   run time');
for (const argument of process.argv.slice(2)) {
  const [areas = '', reportPath = '', seconds = '0'] = argument.split('=');
  for (const [index, area] of areas.split(',').entries()) {
    const c = statusCounts(reportPath, area);
    const count = (status: string) => c[status] ?? 0;
    const detected = count('Killed') + count('Timeout');
    const valid = detected + count('Survived') + count('NoCoverage');
    const percent = valid === 0 ? undefined : (100 * detected) / valid;
    if (percent !== undefined && percent < TARGET_PERCENT) belowTarget++;
    const score = percent === undefined ? 'n/a' : `${percent.toFixed(1)} %`;
    const cell = (status: string, width: number) => String(count(status)).padStart(width);
    // One Stryker run can cover several areas: its time stands on its first row.
    const time = index === 0 ? duration(Number(seconds)) : '';
    console.log(
      `${area.padEnd(18)} ${score.padStart(7)} ${cell('Killed', 7)} ${cell('Timeout', 8)} ${cell('Survived', 9)} ${cell('NoCoverage', 12)} ${cell('Ignored', 8)} ${time.padStart(10)}`,
    );
  }
}
if (belowTarget > 0) {
  console.log(`${String(belowTarget)} area(s) below ${String(TARGET_PERCENT)} %`);
  process.exitCode = 1;
}
