/**
 * Starts a ProcessGroup of two long sleeps, prints their pids as a JSON line
 * and then idles until it is killed; for testing what happens to the group
 * when its parent dies.
 */
import { ProcessGroup } from '../../src/local/managed-process.js';

const group = new ProcessGroup();
const sleepers = [1, 2].map((n) => group.start({ name: `sleep-${n}`, command: 'sleep', args: ['600'], logPath: '/dev/null' }));
console.log(JSON.stringify(sleepers.map((sleeper) => sleeper.pid)));
setInterval(() => {}, 60_000);
