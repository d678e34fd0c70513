// The booking race as a benchmark: 200 patients, each with their own link, verify their date of birth
// and reach the review page through the patient pages over HTTP, then all confirm at once for 50 slots.
// Prints bookings/s and the correctness checks (exactly 50 booked, 0 double bookings, every loser told
// the slot has gone); exits non-zero if a check fails. The same race runs in ctest as browser_booking_race.
// The hub's store is CLINHUB_BENCH_STORE's (bench/report.mjs); the slots are in local-book's own file.
//
//   node bench/booking_race.mjs --clinhub build-bench/clinhub [--links 200] [--slots 50]
import { args } from '../tests/browser/lib/hub.mjs';
import { runRace } from '../tests/browser/lib/race.mjs';
import { benchStore, storeName, result, verdict } from './report.mjs';

const opts = args({ links: '200', slots: '50' });
if (!opts.clinhub) {
  console.error('usage: node bench/booking_race.mjs --clinhub PATH/TO/clinhub [--links N] [--slots N]');
  process.exit(2);
}

try {
  const r = await runRace({ exe: opts.clinhub, links: Number(opts.links), slots: Number(opts.slots), store: benchStore(),
    log: () => {} });
  const s = (ms) => (ms / 1000).toFixed(3);
  console.log(`booking race: ${r.links} links racing for ${r.slots} slots, each client over HTTP with its own cookies ` +
    `(${storeName()} store)`);
  console.log(`  verify: ${r.links} patients opened the link, passed the date of birth check and reached the review page ` +
    `in ${s(r.reachMs)} s (${(r.links / (r.reachMs / 1000)).toFixed(0)} patients/s)`);
  console.log(`  book:   ${r.links} concurrent confirmations answered in ${s(r.confirmMs)} s: ${r.winners} booked, ${r.losers} lost` +
    ` → ${(r.winners / (r.confirmMs / 1000)).toFixed(0)} bookings/s, ${(r.links / (r.confirmMs / 1000)).toFixed(0)} confirmations/s`);
  console.log(`  end to end (verify + book): ${(r.winners / ((r.reachMs + r.confirmMs) / 1000)).toFixed(0)} bookings/s`);
  let failed = 0;
  for (const [name, ok, detail] of r.checks) {
    console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
    if (!ok) ++failed;
  }
  // No target is set for the rates; the checks' target is that all pass.
  const name = `booking race ${r.links} for ${r.slots}: `;
  result(name + 'verify', `${(r.links / (r.reachMs / 1000)).toFixed(0)} patients/s`);
  result(name + 'book', `${(r.winners / (r.confirmMs / 1000)).toFixed(0)} bookings/s`);
  result(name + 'checks', `${r.checks.length - failed} of ${r.checks.length} pass`, undefined, undefined, 'all pass',
    verdict(!failed));
  if (failed) process.exitCode = 1;
} catch (e) {
  console.log(`booking race failed to run: ${e.stack || e}`);
  process.exitCode = 1;
}
