// The booking race: N patients, each with their own link, all reach the review page of one of `slots`
// slots (patient i reviews slot i mod slots, so every slot has N/slots contenders), then all confirm at
// once. Exactly `slots` must win; every loser must be told the slot has gone; the book must hold no slot
// twice. Used by tests/browser/race.mjs (correctness, in ctest) and bench/booking_race.mjs (figures).
import { Hub, ORG, writeHubFiles, testNhsNumbers, sql } from './hub.mjs';
import { Client } from './forms.mjs';

export const RACE_RULE = {
  title: 'Race clinic appointment',
  slot_types: ['Race clinic'],
  horizon_days: 42,
  allow_decline: true,
  allow_reschedule: true,
  templates: {
    invite_sms: 'Test Surgery: book your appointment: {{url}}',
    confirmation_sms: 'Test Surgery: booked for {{when}}. To change it: {{url}}',
  },
};

// What a patient who lost the race reads back on the slot list.
export const SLOT_GONE = /(that|this) time has just been taken|no longer available|has (already )?(gone|been (taken|booked))/i;

// 09:00-09:50 in 1-minute slots on every day, generated for tomorrow only: exactly 50 slots.
function raceSeed(patients, slots) {
  const end = 9 * 60 + slots;
  const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return {
    patients,
    templates: [{ slot_type: 'Race clinic', clinician: 'Nurse Race', location: 'Room 1',
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: hhmm(end), slot_minutes: 1 }],
  };
}

export function racePatients(count) {
  return testNhsNumbers(count).map((nhs, i) => {
    const dob = new Date(Date.UTC(1950, 0, 1) + i * 86400000 * 37).toISOString().slice(0, 10);
    return { nhs_number: nhs, date_of_birth: dob, mobile: `07700 ${900000 + (i % 1000)}`, name: `Racer ${i}` };
  });
}

async function inBatches(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// One patient up to the review page: open, "Continue to book", date of birth, the day, a slot, "Continue".
async function reachReview(hub, link, patient, pickIndex) {
  const c = new Client(hub.origin);
  let page = await c.get(hub.localUrl(link.url));
  if (page.status !== 200) throw new Error(`opening the link: ${page.status} ${page.h1}`);
  page = await c.press(page, 'Continue to book');
  const [y, m, d] = patient.date_of_birth.split('-');
  page = await c.press(page, 'Continue', {
    [page.nameOf('dob-day')]: String(Number(d)),
    [page.nameOf('dob-month')]: String(Number(m)),
    [page.nameOf('dob-year')]: y,
  });
  const days = page.radios('day');
  if (!days.length) throw new Error(`no days offered after the date of birth check: ${page.h1}: ${page.text.slice(0, 400)}`);
  page = await c.press(page, 'Continue', { day: days[0] });
  const slots = page.radios('slot');
  if (!slots.length) throw new Error(`no slots offered after the date of birth check: ${page.h1}: ${page.text.slice(0, 400)}`);
  const slot = slots[pickIndex % slots.length];
  page = await c.press(page, 'Continue', { slot });
  if (!/Confirm appointment/i.test(page.html)) throw new Error(`no review page after choosing a slot: ${page.h1}: ${page.text.slice(0, 400)}`);
  return { client: c, page, slot, offered: slots.length };
}

// Runs the race against a fresh hub; returns figures and every check's result (nothing thrown for a
// failed check, so the caller prints them all).
// `store` is the hub's store URL (writeHubFiles' default when not given).
export async function runRace({ exe, links = 200, slots = 50, httpThreads, store, log = console.log }) {
  const patients = racePatients(links);
  const files = writeHubFiles({ seed: raceSeed(patients, slots), rules: { race: RACE_RULE }, generateDays: 1, httpThreads, store });
  const hub = new Hub(exe, files);
  try {
    await hub.start();
    await hub.createKey();
    log(`race: hub on ${hub.origin}; creating ${links} links for ${slots} slots`);

    const created = await inBatches(patients, 16, (p) => hub.createLink('race', p));

    const tReach = performance.now();
    const reached = await Promise.all(created.map((link, i) => reachReview(hub, link, patients[i], i)));
    const reachMs = performance.now() - tReach;
    const offered = Math.min(...reached.map((r) => r.offered));
    log(`race: ${links} patients verified their date of birth and reached the review page in ${reachMs.toFixed(0)} ms (${offered} slots offered)`);

    // Everyone confirms at once.
    const tConfirm = performance.now();
    const outcomes = await Promise.all(reached.map(async (r, i) => {
      const page = await r.client.press(r.page, 'Confirm appointment');
      const ms = performance.now() - tConfirm;
      if (/Appointment booked/i.test(page.h1)) return { i, slot: r.slot, won: true, ms };
      return { i, slot: r.slot, won: false, told: SLOT_GONE.test(page.text), h1: page.h1, text: page.text.slice(0, 300), status: page.status, ms };
    }));
    const confirmMs = performance.now() - tConfirm;

    const winners = outcomes.filter((o) => o.won);
    const losers = outcomes.filter((o) => !o.won);
    const untold = losers.filter((o) => !o.told);
    const wonSlots = new Map();
    for (const w of winners) wonSlots.set(w.slot, (wonSlots.get(w.slot) ?? 0) + 1);
    const pageDoubles = [...wonSlots.values()].filter((n) => n > 1).length;

    // The book itself: booked appointments, and any slot held by two.
    const bookSlots = Number((await sql(files.bookDb, "SELECT count(*) FROM slots WHERE slot_type = 'Race clinic'"))[0][0]);
    const booked = Number((await sql(files.bookDb, "SELECT count(*) FROM appointments WHERE status = 'booked'"))[0][0]);
    const bookDoubles = (await sql(files.bookDb,
      "SELECT slot_id FROM appointments WHERE status = 'booked' GROUP BY slot_id HAVING count(*) > 1")).length;
    const patientsBookedTwice = (await sql(files.bookDb,
      "SELECT nhs_number FROM appointments WHERE status = 'booked' GROUP BY nhs_number HAVING count(*) > 1")).length;

    const checks = [
      [`the book has exactly ${slots} Race clinic slots`, bookSlots === slots, `${bookSlots}`],
      [`exactly ${slots} patients saw "Appointment booked"`, winners.length === slots, `${winners.length}`],
      [`exactly ${slots} appointments booked in the book`, booked === slots, `${booked}`],
      ['0 double bookings (no slot won twice, no slot held twice in the book)', pageDoubles === 0 && bookDoubles === 0,
        `${pageDoubles} on the pages, ${bookDoubles} in the book`],
      ['no patient booked twice', patientsBookedTwice === 0, `${patientsBookedTwice}`],
      [`all ${links - slots} losers told the slot has gone`, losers.length === links - slots && untold.length === 0,
        `${losers.length - untold.length} of ${losers.length} told` +
        (untold.length ? `; first untold: ${untold[0].status} "${untold[0].h1}": ${untold[0].text}` : '')],
    ];
    return {
      links, slots, reachMs, confirmMs,
      winners: winners.length, losers: losers.length, booked,
      lastWinMs: Math.max(0, ...winners.map((w) => w.ms)),
      checks, hubLog: hub.logTail(),
    };
  } catch (e) {
    // A crash shows up here as a reset connection: say what the hub said and how it ended.
    await new Promise((r) => setTimeout(r, 300));
    e.message += `\nhub log (last lines):\n${hub.logTail(12)}`;
    throw e;
  } finally {
    await hub.stop();
    hub.cleanup();
  }
}
