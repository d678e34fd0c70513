// ctest browser_booking_race: 200 links race for 50 slots of the local book through the patient pages
// (plain HTTP, no browser). Exactly 50 bookings, 0 double bookings, every loser told the slot has gone.
// A correctness test: it prints how long things took but asserts nothing about time.
//
//   node tests/browser/race.mjs --clinhub build/clinhub [--links 200] [--slots 50]
import { args } from './lib/hub.mjs';
import { runRace } from './lib/race.mjs';

const opts = args({ links: '200', slots: '50' });
if (!opts.clinhub) {
  console.error('usage: node tests/browser/race.mjs --clinhub PATH/TO/clinhub [--links N] [--slots N]');
  process.exit(2);
}

try {
  const r = await runRace({ exe: opts.clinhub, links: Number(opts.links), slots: Number(opts.slots) });
  let failed = 0;
  for (const [name, ok, detail] of r.checks) {
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
    if (!ok) ++failed;
  }
  console.log(`race: ${r.links} confirmations answered in ${r.confirmMs.toFixed(0)} ms`);
  if (failed) {
    console.log(`hub log (last lines):\n${r.hubLog.split("\n").slice(-15).join("\n")}`);
    console.log(`${r.checks.length - failed} passed, ${failed} failed`);
    process.exit(1);
  }
  console.log('race: exactly one booking per slot, and every loser was told');
} catch (e) {
  console.error(`FAIL  the race could not be run: ${e.message || e}`);
  process.exit(1);
}
