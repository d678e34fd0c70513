// ctest browser_second_dose: a vaccination service invites a patient for their second dose and the
// patient books it in real headless Chromium, against a real `clinhub serve` whose local-book answers the
// immunisation records from its seed. Staff create a clinic, upload the cohort and send the 2nd-dose
// invites through the API; the SMS is read from the outbox-file sink.
//
//   node tests/browser/second_dose.mjs --clinhub build/clinhub --screenshots DIR [--chromium /usr/bin/chromium]
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enterDateOfBirth, launch, press as pressOn, tap } from './lib/chromium.mjs';
import { Hub, TEST_PATIENT, args, urlsIn, normalisedMobile } from './lib/hub.mjs';

const opts = args({ chromium: '/usr/bin/chromium' });
if (!opts.clinhub || !opts.screenshots) {
  console.error('usage: node tests/browser/second_dose.mjs --clinhub PATH/TO/clinhub --screenshots DIR');
  process.exit(2);
}
const { chromium } = await import('playwright-core');
if (!existsSync(opts.chromium)) {
  console.error(`FAIL  no Chromium at ${opts.chromium} (scripts/setup installs Debian's chromium)`);
  process.exit(1);
}
mkdirSync(opts.screenshots, { recursive: true });

const ORG = 'V12345';
const CAMPAIGN = `/api/v1/organisations/${ORG}/campaigns/covid`;
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const monday = (iso) => {
  const d = new Date(`${iso}T12:00:00Z`);
  return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86400000).toISOString().slice(0, 10);
};
const DOSE1 = day(-60); // past the 9th week
const CLINIC = day(7); // within the 3 weeks an invite may run ahead

function writeFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'clinhub-vacc-'));
  writeFileSync(join(dir, 'book-seed.yaml'), `patients:
  - nhs_number: "${TEST_PATIENT.nhs_number}"
    date_of_birth: "${TEST_PATIENT.date_of_birth}"
    mobile: "${TEST_PATIENT.mobile}"
    name: "${TEST_PATIENT.name}"
    immunisations:
      - {target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "${DOSE1}", dose: 1}
`);
  writeFileSync(join(dir, 'hub.yaml'), `hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 1}
  local_demo: true
connectors:
  book: {plugin: local-book, config: {database: book.db, seed: book-seed.yaml}}
  outbox: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
  ${ORG}:
    name: Riverside Vaccination Service
    route: {appointment_book: book, sms: [outbox], immunisations: book}
    rules:
      covid:
        title: COVID-19 vaccination
        slot_types: [COVID clinic]
        templates: {invite_sms: "Riverside: book your second COVID-19 vaccination: {{url}}"}
    campaigns:
      covid: {rule: covid, target: COVID, doses: 2}
`);
  return { dir, config: join(dir, 'hub.yaml'), outbox: join(dir, 'outbox.jsonl'), log: join(dir, 'hub.log') };
}

let steps = 0;
async function step(name, fn) {
  const t = performance.now();
  const result = await fn();
  ++steps;
  console.log(`ok    ${name} (${(performance.now() - t).toFixed(0)} ms)`);
  return result;
}

const hub = new Hub(opts.clinhub, writeFiles());
let browser;
let page;
try {
  await step('start clinhub serve', () => hub.start());
  await step(`create an API key for ${ORG}`, () => hub.createKey(ORG));
  const clinic = await step('staff create a published 2nd-dose Comirnaty clinic a week ahead', async () => {
    const r = await hub.api('POST', `${CAMPAIGN}/clinics`, {
      dose: 'second', vaccine: { code: '39114911000001105', term: 'Comirnaty' }, location: 'Riverside Hall',
      date: CLINIC, start: '09:00', end: '12:00', capacity: 5, published: true });
    if (r.status !== 201) throw new Error(`POST clinics: ${r.status} ${r.text}`);
    return r.body.id;
  });
  await step('upload the cohort: the records say dose 1 was received', async () => {
    const res = await fetch(`${hub.origin}${CAMPAIGN}/cohort`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${hub.key}`, 'Content-Type': 'text/csv' },
      body: `NHS Number,Name,Date of Birth,Mobile Number\r\n${TEST_PATIENT.nhs_number},${TEST_PATIENT.name},${TEST_PATIENT.date_of_birth},${TEST_PATIENT.mobile}\r\n`,
    });
    const body = await res.json();
    if (res.status !== 200 || body.by_status.awaiting_2nd_invite !== 1) throw new Error(`upload: ${res.status} ${JSON.stringify(body)}`);
  });
  await step('send the 2nd-dose invites for the week of dose 1', async () => {
    const r = await hub.api('POST', `${CAMPAIGN}/invites`, { dose: 2, status: 'awaiting_2nd_invite', dose1_week: monday(DOSE1), send: true });
    if (r.status !== 202 || r.body.invite.length !== 1) throw new Error(`invites: ${r.status} ${r.text}`);
  });
  const url = await step('the invite SMS arrives in the outbox file', async () => {
    const to = normalisedMobile(TEST_PATIENT.mobile);
    const sms = await hub.waitForMessage((m) => m.channel === 'sms' && m.to === to, 'invite SMS');
    return hub.localUrl(urlsIn(sms.body)[0]);
  });
  browser = await launch(chromium, opts.chromium);
  page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  page.setDefaultTimeout(10000);
  const press = (name) => pressOn(page, name);
  await step('open the link: the welcome page', async () => {
    await page.goto(url);
    const h1 = (await page.locator('h1').first().innerText()).trim();
    if (h1 !== 'COVID-19 vaccination') throw new Error(`the heading is "${h1}"`);
    await press('Continue to book');
  });
  await step('the date of birth shows the clinic, and only it', async () => {
    await enterDateOfBirth(page, TEST_PATIENT.date_of_birth);
    const days = page.locator('input[type=radio][name=day]');
    await days.first().waitFor({ state: 'attached' });
    if ((await days.count()) !== 1) throw new Error(`${await days.count()} days, expected the clinic's one`);
    await tap(page, days.first());
    await press('Continue');
    const radios = page.locator('input[type=radio][name=slot]');
    await radios.first().waitFor({ state: 'attached' });
    if ((await radios.count()) !== 1) throw new Error(`${await radios.count()} choices, expected the one clinic`);
    if ((await radios.first().getAttribute('value')) !== clinic) throw new Error('the choice is not the clinic');
    await page.locator(`label[for="${await radios.first().getAttribute('id')}"]`).click();
    await press('Continue');
  });
  await step('"Confirm appointment" books the second dose', async () => {
    await press('Confirm appointment');
    const h1 = (await page.locator('h1').first().innerText()).trim();
    if (h1 !== 'Appointment booked') throw new Error(`the heading is "${h1}"`);
    await page.screenshot({ path: join(opts.screenshots, 'second-dose-booked.png'), fullPage: true });
  });
  await step('staff see the member booked and the clinic with one place taken', async () => {
    const members = (await hub.api('GET', `${CAMPAIGN}/members`)).body.members;
    if (members[0].status !== 'booked_2nd') throw new Error(`the member is ${members[0].status}`);
    const clinics = (await hub.api('GET', `${CAMPAIGN}/clinics`)).body.clinics;
    if (clinics[0].booked !== 1) throw new Error(`the clinic has ${clinics[0].booked} booked`);
  });
  console.log(`PASS  ${steps} steps`);
} catch (e) {
  console.error(`FAIL  ${e.stack ?? e}\n${hub.logTail()}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  await hub.stop();
  if (!process.exitCode) hub.cleanup();
}
