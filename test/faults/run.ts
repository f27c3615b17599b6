// `npm run faults` (scripts/faults.mjs builds and starts Kafka and Redis, then
// runs this): every fault of the suite in turn, or those named on the command
// line (`npm run faults -- store-failing`), then one table. Exit code 1 when a
// row lost anything, showed a duplicate to queries, or could not be measured.
import { scenarios } from './index.ts';
import { formatTable, type Outcome, rowPasses } from './support/table.ts';

const names = process.argv.slice(2);
const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(`unknown fault(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen = names.length === 0 ? scenarios : scenarios.filter((s) => names.includes(s.name));

const started = Date.now();
const outcomes: Outcome[] = [];
for (const s of chosen) {
  const t0 = Date.now();
  console.error(`\n== ${s.name}`);
  try {
    const row = await s.run({ log: (msg) => console.error(`  ${msg}`) });
    outcomes.push(row);
    console.error(`   ${rowPasses(row) ? 'ok' : 'NOT OK'} in ${Math.round((Date.now() - t0) / 1000)} s`);
  } catch (err) {
    outcomes.push({ fault: s.name, error: (err as Error).message });
    console.error(`   FAILED in ${Math.round((Date.now() - t0) / 1000)} s: ${(err as Error).stack}`);
  }
}

console.log(`\n${formatTable(outcomes)}`);
console.log(`\n${chosen.length} fault(s) in ${Math.round((Date.now() - started) / 1000)} s`);
// some clients keep sockets open a moment after closing; the table is out, leave
process.exit(outcomes.every(rowPasses) ? 0 : 1);
