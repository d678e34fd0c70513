// ctest browser_journeys: the Self-Book patient journeys in real headless Chromium (Debian's, driven by
// playwright-core), against a real `clinhub serve`. Staff create links through the API; the patient's
// SMS is read from the outbox-file sink; each journey saves screenshots.
//
//   node tests/browser/journeys.mjs --clinhub build/clinhub --screenshots DIR [--chromium /usr/bin/chromium]
//        [--book-plugin NAME --book-config 'YAML flow map' [--book-peer 'SIMULATOR ARGS']]
//
// By default the book is local-book; --book-plugin puts another appointment-book connector in its place,
// --book-peer starts its simulator first (its port replaces {port} in --book-config). The book must hold
// the test patient and at least three free "Flu clinic" slots.
//
// Journey 1 books (with a wrong date of birth first), sees the confirmation, reopens the link and sees
// "already booked", and gets the confirmation SMS with a manage link. Journey 2 declines. Journey 3 books,
// then reschedules through the manage link; the staff link history shows it.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chooseDayAndTime, enterDateOfBirth, launch, playwrightChromium, press as pressOn } from './lib/chromium.mjs';
import { Hub, ORG, TEST_PATIENT, FLU_RULE, FLU_TEMPLATES, args, writeHubFiles, urlsIn, startPeer } from './lib/hub.mjs';

const opts = args({ chromium: '/usr/bin/chromium' });
const chromium = await playwrightChromium(opts,
  'node tests/browser/journeys.mjs --clinhub PATH/TO/clinhub --screenshots DIR [--chromium PATH]', ['clinhub', 'screenshots']);
for (const f of readdirSync(opts.screenshots)) if (f.endsWith('.png')) rmSync(join(opts.screenshots, f)); // none left from a run before

const WRONG_DOB = '1957-03-14';
const CONFIRMATION_START = FLU_RULE.templates.confirmation_sms.split('{{')[0];
let hub;
let peer; // the book's simulator, when the book is not local-book
let browser;
let page; // the page of the step running, for the failure report
let current = '(starting)';
let steps = 0;

async function step(name, fn) {
  current = name;
  const t = performance.now();
  const result = await fn();
  ++steps;
  console.log(`ok    ${name} (${(performance.now() - t).toFixed(0)} ms)`);
  return result;
}

async function shot(name) {
  const file = join(opts.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`      screenshot ${file}`);
}

const h1 = () => page.locator('h1').first();

async function expectH1(text) {
  await h1().waitFor();
  const got = (await h1().innerText()).trim();
  if (got !== text) throw new Error(`the heading is "${got}", expected "${text}"`);
}

// Presses a link or a button of the page by its accessible name, exactly.
const press = (name) => pressOn(page, name);

const enterDob = (dob) => enterDateOfBirth(page, dob);

async function expectText(text) {
  const body = await page.locator('body').innerText();
  if (!body.includes(text)) throw new Error(`the page does not say "${text}"`);
}

// Chooses a day, then its first slot whose value is not in `avoid`; returns the slot's value.
const chooseSlot = (avoid = []) => chooseDayAndTime(page, avoid);

async function createLinkAndReadSms(label) {
  const link = await step(`${label}: staff create a link through the API`, () => hub.createLink('flu', TEST_PATIENT));
  const token = new URL(link.url).pathname;
  const sms = await step(`${label}: the invite SMS arrives in the outbox file`, () =>
    hub.waitForMessage((m) => m.channel === 'sms' && m.body.includes(token), 'invite SMS'));
  const url = urlsIn(sms.body).find((u) => u.includes(token));
  if (!url) throw new Error(`the invite SMS carries no link: ${sms.body}`);
  return { link, url: hub.localUrl(url) };
}

// Open → welcome → Continue to book → DOB → days → choose → Continue → times → choose → Continue → review →
// Confirm → booked.
async function book(label, url, { wrongDobFirst = false } = {}) {
  await step(`${label}: open the link and see the welcome page`, async () => {
    await page.goto(url);
    await expectH1(FLU_RULE.title);
  });
  await step(`${label}: "Continue to book"`, () => press('Continue to book'));
  if (wrongDobFirst)
    await step(`${label}: a wrong date of birth is refused`, async () => {
      await enterDob(WRONG_DOB);
      await expectText('The date of birth does not match our records');
    });
  await step(`${label}: the right date of birth shows the days with free slots`, async () => {
    await enterDob(TEST_PATIENT.date_of_birth);
    await page.locator('input[type=radio][name=day]').first().waitFor({ state: 'attached' });
  });
  const slot = await step(`${label}: choose the first day, its first slot, and continue to the review`, async () => {
    const value = await chooseSlot();
    await press('Continue');
    await page.getByRole('button', { name: 'Confirm appointment', exact: true }).waitFor();
    return value;
  });
  await step(`${label}: "Confirm appointment" books it`, async () => {
    await press('Confirm appointment');
    await expectH1('Appointment booked');
  });
  return slot;
}

async function confirmationSms(label, before, inviteUrl) {
  return step(`${label}: the confirmation SMS arrives with a manage link`, async () => {
    const sms = await hub.waitForMessage(
      (m) => m.channel === 'sms' && !before.has(m.reference) && m.body.startsWith(CONFIRMATION_START), 'confirmation SMS');
    const url = urlsIn(sms.body)[0];
    if (!url) throw new Error(`the confirmation SMS carries no link: ${sms.body}`);
    if (hub.localUrl(url) === inviteUrl) throw new Error(`the manage link is the invite link: ${sms.body}`);
    return hub.localUrl(url);
  });
}

const references = () => new Set(hub.messages().map((m) => m.reference));

async function main() {
  let bookConnector;
  if (opts['book-plugin']) {
    let config = opts['book-config'] ?? '{}';
    if (opts['book-peer']) {
      peer = await step(`start the book's simulator`, () => startPeer(opts['book-peer']));
      config = config.replaceAll('{port}', String(peer.port));
    }
    bookConnector = { plugin: opts['book-plugin'], config };
    console.log(`      appointment book: ${bookConnector.plugin}`);
  }
  const files = writeHubFiles({ seed: { patients: [TEST_PATIENT], templates: FLU_TEMPLATES }, rules: { flu: FLU_RULE }, book: bookConnector });
  hub = new Hub(opts.clinhub, files);
  await step('start clinhub serve', () => hub.start());
  console.log(`      hub on ${hub.origin}, files in ${files.dir}`);
  await step(`create an API key for ${ORG} with clinhub keys create`, () => hub.createKey());
  browser = await step('launch headless Chromium', () =>
    launch(chromium, opts.chromium));

  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } }); // a phone
    page = await context.newPage();
    page.setDefaultTimeout(10000);
  };

  // ---- Journey 1: book, reopen ----
  {
    const J = 'journey 1 (book)';
    const { url } = await createLinkAndReadSms(J);
    await newPage();
    const before = references();
    await book(J, url, { wrongDobFirst: true });
    await shot('journey1-booked');
    await step(`${J}: reopening the link says it is already booked`, async () => {
      await page.goto(url);
      await expectH1('You have already booked this appointment');
    });
    await shot('journey1-already-booked');
    await confirmationSms(J, before, url);
  }

  // ---- Journey 2: decline ----
  {
    const J = 'journey 2 (decline)';
    const { url } = await createLinkAndReadSms(J);
    await newPage();
    await step(`${J}: open the link`, async () => {
      await page.goto(url);
      await expectH1(FLU_RULE.title);
    });
    await step(`${J}: "I do not want this appointment"`, () => press('I do not want this appointment'));
    await step(`${J}: date of birth`, () => enterDob(TEST_PATIENT.date_of_birth));
    await step(`${J}: "Decline appointment"`, async () => {
      await press('Decline appointment');
      await expectH1('You have declined this appointment');
    });
    await shot('journey2-declined');
  }

  // ---- Journey 3: book, then reschedule through the manage link ----
  {
    const J = 'journey 3 (reschedule)';
    const { link, url } = await createLinkAndReadSms(J);
    await newPage();
    const before = references();
    const first = await book(J, url);
    const manage = await confirmationSms(J, before, url);
    await newPage(); // a new browser session, as when the patient taps the SMS days later
    await step(`${J}: open the manage link and "Continue"`, async () => {
      await page.goto(manage);
      await press('Continue');
    });
    await step(`${J}: date of birth shows the appointment`, async () => {
      await enterDob(TEST_PATIENT.date_of_birth);
      await page.getByRole('button', { name: 'Change appointment', exact: true })
        .or(page.getByRole('link', { name: 'Change appointment', exact: true })).first().waitFor();
    });
    await step(`${J}: "Change appointment" and pick a different slot`, async () => {
      await press('Change appointment');
      await chooseSlot([first]);
      const confirm = page.getByRole('button', { name: 'Confirm appointment', exact: true });
      if (!(await confirm.count())) await press('Continue');
    });
    await step(`${J}: "Confirm appointment" changes it`, async () => {
      await press('Confirm appointment');
      await expectH1('Appointment changed');
    });
    await shot('journey3-changed');
    await step(`${J}: the staff link history shows it rescheduled, with 2 appointments in its history`, async () => {
      const links = await hub.linkHistory(TEST_PATIENT.nhs_number);
      const mine = links.find((l) => l.id === link.id);
      if (!mine) throw new Error(`link ${link.id} is not in the history: ${JSON.stringify(links)}`);
      if (mine.status !== 'rescheduled') throw new Error(`its status is "${mine.status}", expected "rescheduled"`);
      const history = appointmentHistory(mine);
      if (history?.length !== 2 || history[0].state !== 'replaced' || history[1].state !== 'booked') throw new Error(`its appointment history has ${history?.length} entries, expected 2: ${JSON.stringify(mine)}`);
      if (links.length !== 3) throw new Error(`the patient has ${links.length} links, expected 3`);
    });
  }
}

// The appointment history of a link in the staff API (schemas/openapi.yaml): every appointment the
// link has held, oldest first.
const appointmentHistory = (link) => link.appointment_history;

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.log(`FAIL  ${current}`);
  console.log(`      ${String(e.message || e).split('\n').join('\n      ')}`);
  if (page) {
    try {
      console.log(`      page: ${page.url()}`);
      const body = (await page.locator('body').innerText({ timeout: 2000 })).trim();
      console.log(`      page text:\n${body.slice(0, 2000).replace(/^/gm, '        ')}`);
      await shot('FAILED');
    } catch {}
  }
  if (hub) console.log(`      hub log (last lines):\n${hub.logTail(30).replace(/^/gm, '        ')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (hub) {
    await hub.stop();
    if (!failed) hub.cleanup();
  }
  if (peer) peer.stop();
}
console.log(failed ? `${steps} passed, 1 failed` : `${steps} passed, 0 failed`);
process.exit(failed ? 1 : 0);
