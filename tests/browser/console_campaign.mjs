// ctest browser_console_campaign: a vaccination service's campaign from the staff console in headless
// Chromium, against a real `clinhub serve` whose local-book answers the immunisation records from its seed.
//
// The accuBook seed end to end: a nurse signs in, adds a published 2nd-dose clinic and a hidden one, uploads
// the cohort through the file picker, filters the members awaiting a 2nd invite by the week of their 1st
// dose, checks who will be invited with a text of the nurse's own, schedules the round and cancels it, sends;
// the patient books through the SMS on a phone; the member without a mobile is booked by hand into the hidden
// clinic with the user-facing options; a clinic is changed (a mistake first) and the completed ones listed.
// Then the Mavis seed: consent taken by phone for a child, who is invited to a community clinic and added to
// today's session as a walk-in; the booking reminders and the invitations for those who missed a completed
// school session, checked before sending. Every page is checked by axe-core at a desk's width, and again at a
// phone's.
//
//   node tests/browser/console_campaign.mjs --clinhub build/clinhub --screenshots DIR [--chromium PATH]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Axe, WIDTHS } from './lib/axe.mjs';
import { bookFirstTime, launch, press } from './lib/chromium.mjs';
import { Hub, TEST_PATIENT, args, urlsIn, normalisedMobile } from './lib/hub.mjs';

const run = promisify(execFile);
const opts = args({ chromium: '/usr/bin/chromium' });
if (!opts.clinhub || !opts.screenshots) {
  console.error('usage: node tests/browser/console_campaign.mjs --clinhub PATH/TO/clinhub --screenshots DIR');
  process.exit(2);
}
const { chromium } = await import('playwright-core');
if (!existsSync(opts.chromium)) {
  console.error(`FAIL  no Chromium at ${opts.chromium} (scripts/setup installs Debian's chromium)`);
  process.exit(1);
}
mkdirSync(opts.screenshots, { recursive: true });
for (const f of readdirSync(opts.screenshots)) if (f.endsWith('.png')) rmSync(join(opts.screenshots, f));

const ORG = 'V12345';
const CONSOLE = `/staff/${ORG}`;
const NURSE = { email: 'nia.nurse@riverside.example', name: 'Nia Nurse' };
const PASSWORD = 'correct horse battery staple';
const NO_MOBILE = { nhs_number: '9990000018', date_of_birth: '1950-01-04' };
const CHILD = { nhs_number: '9993000027', date_of_birth: '2015-03-03' };
const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const DOSE1 = day(-60); // past the 9th week
const CLINIC = day(7);

function writeFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'clinhub-console-vacc-'));
  const dose1 = `[{target: COVID, vaccine_code: "39114911000001105", vaccine_term: Comirnaty, date: "${DOSE1}", dose: 1}]`;
  writeFileSync(join(dir, 'book-seed.yaml'), `patients:
  - {nhs_number: "${TEST_PATIENT.nhs_number}", date_of_birth: "${TEST_PATIENT.date_of_birth}", mobile: "${TEST_PATIENT.mobile}", name: "${TEST_PATIENT.name}", immunisations: ${dose1}}
  - {nhs_number: "${NO_MOBILE.nhs_number}", date_of_birth: "${NO_MOBILE.date_of_birth}", name: "No Mobile", immunisations: ${dose1}}
  - {nhs_number: "${CHILD.nhs_number}", date_of_birth: "${CHILD.date_of_birth}", name: "Missed School"}
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
    route: {appointment_book: book, sms: [outbox], email: outbox, immunisations: book}
    rules:
      covid:
        title: COVID-19 vaccination
        slot_types: [COVID clinic]
        templates: {invite_sms: "Riverside: book your second COVID-19 vaccination: {{url}}"}
      flu: {title: Children's flu vaccination, slot_types: [Flu clinic]}
    campaigns:
      covid: {rule: covid, target: COVID, doses: 2}
      flu: {rule: flu, target: FLU, community_invite_days: 0}
`);
  return { dir, config: join(dir, 'hub.yaml'), outbox: join(dir, 'outbox.jsonl'), log: join(dir, 'hub.log') };
}

const axe = new Axe();
let hub;
let browser;
let current = '(starting)';
let shots = 0;
const visited = []; // [name, url] of each page looked at, to look at again on a phone

function expect(condition, what) {
  if (!condition) throw new Error(`${current}: ${what}`);
}

async function look(page, width, name, again = true) {
  current = `${width}: ${name}`;
  await axe.check(page, current);
  const file = join(opts.screenshots, `${width}-${String(++shots).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (again) visited.push([name, page.url()]);
}

// A page a form's post answered, which cannot be fetched again: looked at on a phone's width here and now.
async function lookAnswer(page, name) {
  await look(page, 'desk', name, false);
  await page.setViewportSize(WIDTHS.phone);
  await look(page, 'phone', name, false);
  await page.setViewportSize(WIDTHS.desk);
}

const textOf = async (page, selector) => (await page.locator(selector).first().innerText()).trim();

async function addClinic(page, { location, published, date = CLINIC, dose = 'second', community = false, school = '',
  vaccine = ['39114911000001105', 'Comirnaty'] }) {
  await page.fill('#clinic-date', date);
  await page.fill('#clinic-start', '00:01');
  await page.fill('#clinic-end', '23:59');
  await page.fill('#clinic-location', location);
  await page.selectOption('#clinic-dose', dose);
  await page.fill('#clinic-vaccine', vaccine[0]);
  await page.fill('#clinic-vaccine-term', vaccine[1]);
  await page.fill('#clinic-capacity', '5');
  if (published) await page.check('#clinic-published');
  if (community) await page.check('#clinic-community');
  if (school) await page.fill('#clinic-school_urn', school);
  await press(page, 'Add clinic');
}

let failed = false;
try {
  const files = writeFiles();
  hub = new Hub(opts.clinhub, files);
  await hub.start();
  const made = await run(hub.exe, ['users', 'create', '--config', files.config, '--org', ORG, '--email', NURSE.email,
    '--role', 'staff', '--name', NURSE.name]);
  const setPassword = urlsIn(made.stdout).find((u) => u.includes('/staff/set-password/'));
  expect(setPassword, `clinhub users create printed no set-password link:\n${made.stdout}`);
  browser = await launch(chromium, opts.chromium);
  await axe.control(browser);
  const desk = await browser.newContext({ viewport: WIDTHS.desk, bypassCSP: true });
  const page = await desk.newPage();
  page.setDefaultTimeout(10000);

  current = 'desk: sign in';
  await page.goto(hub.localUrl(setPassword));
  await page.fill('#password', PASSWORD);
  await page.fill('#confirm', PASSWORD);
  await press(page, 'Set password');
  await page.fill('#email', NURSE.email);
  await page.fill('#password', PASSWORD);
  await press(page, 'Sign in');
  expect(page.url().endsWith(CONSOLE), `signing in led to ${page.url()}`);

  await press(page, 'Campaigns');
  await look(page, 'desk', 'campaigns');
  await press(page, 'COVID-19 vaccination');
  await look(page, 'desk', 'campaign');
  await page.fill('#clinic-date', 'next Tuesday');
  await press(page, 'Add clinic');
  await look(page, 'desk', 'add a clinic, with mistakes', false);
  await addClinic(page, { location: 'Riverside Hall', published: true });
  await addClinic(page, { location: 'Back Room', published: false });
  await look(page, 'desk', 'campaign with clinics');
  expect((await textOf(page, '#clinics')).includes('No, hidden'), 'the hidden clinic says so');

  const cohort = join(files.dir, 'cohort.csv');
  writeFileSync(cohort, `NHS Number,Name,Date of Birth,Mobile Number\r\n${TEST_PATIENT.nhs_number},${TEST_PATIENT.name},` +
    `${TEST_PATIENT.date_of_birth},${TEST_PATIENT.mobile}\r\n${NO_MOBILE.nhs_number},No Mobile,${NO_MOBILE.date_of_birth},\r\n`);
  await page.setInputFiles('#cohort', cohort);
  await press(page, 'Upload and label');
  await look(page, 'desk', 'cohort uploaded', false);
  expect((await textOf(page, '#accepted')).startsWith('2 members'), 'both members added');

  await press(page, 'See the members');
  await look(page, 'desk', 'members');
  await page.getByRole('link', { name: /^Awaiting 2nd invite/ }).click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'awaiting a 2nd invite');
  await page.locator('#weeks a').first().click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'awaiting a 2nd invite, one week');
  await press(page, 'Check who will be invited');
  await look(page, 'desk', 'check who will be invited');
  expect((await textOf(page, '#invite-count')).startsWith('1 will be sent'), 'one patient has a mobile');
  expect((await textOf(page, '#to-book-by-hand')).includes('999 000 0018'), 'the other is to book by hand');
  const preview = page.url();
  await page.fill('#message', 'Riverside: {{name}}, your 2nd COVID-19 jab is due. Book it here: {{url}}');
  await press(page, 'Check the text');
  await lookAnswer(page, 'invite with its own text');
  expect((await textOf(page, '#sms-example')).includes('your 2nd COVID-19 jab is due'), 'the example has the new text');
  expect((await textOf(page, '#sms-length')).includes('1 text message'), 'its length is shown');
  await page.fill('#message', 'Riverside: book here');
  await press(page, 'Check the text');
  await lookAnswer(page, 'invite text with a mistake');
  expect((await textOf(page, '.nhsuk-error-summary')).length > 0, 'a text without its link is refused');
  await page.fill('#message', 'Riverside: {{name}}, book your 2nd COVID-19 jab: {{url}}');
  await press(page, 'Check the text');
  await page.fill('#schedule-date', day(1));
  await page.fill('#schedule-time', '09:30');
  await press(page, 'Schedule the invites');
  await look(page, 'desk', 'invite round scheduled');
  expect((await textOf(page, '#scheduled-invites')).includes('with its own text'), 'the round is listed');
  await page.locator('#scheduled-invites button').first().click();
  await page.waitForLoadState('load');
  expect(!(await page.content()).includes('id="scheduled-invites"'), 'the round is cancelled');
  await page.goto(preview);
  await press(page, 'Send 1 invite');
  await look(page, 'desk', 'invites sent');

  current = 'phone: the patient books';
  const sms = await hub.waitForMessage((m) => m.channel === 'sms' && m.to === normalisedMobile(TEST_PATIENT.mobile), 'invite SMS');
  const patient = await (await browser.newContext({ viewport: WIDTHS.phone })).newPage();
  const booked = await bookFirstTime(patient, hub.localUrl(urlsIn(sms.body)[0]), TEST_PATIENT.date_of_birth);
  expect(booked.includes('booked'), `the patient sees the booking confirmed (${booked})`);
  await patient.close();

  current = 'desk: book by hand';
  await page.goto(`${hub.origin}${CONSOLE}/campaigns/covid/members?status=to_manually_book_2nd`);
  await page.getByRole('link', { name: '999 000 0018' }).click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'member, patient-facing options');
  expect(!(await page.content()).includes('Back Room'), 'the patient-facing options hide the hidden clinic');
  await press(page, 'Show every clinic, hidden ones too');
  await look(page, 'desk', 'member, user-facing options');
  await page.locator('#booking-options li', { hasText: 'Back Room' }).getByRole('button').click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'member booked by hand');
  expect((await textOf(page, '#member-status')) === 'Booked 2nd', 'booked into the hidden clinic');

  current = 'desk: change a clinic';
  await page.goto(`${hub.origin}${CONSOLE}/campaigns/covid`);
  await page.locator('#clinics tr', { hasText: 'Riverside Hall' }).getByRole('link', { name: /^Change/ }).click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'change a clinic');
  await page.fill('#clinic-end', '00:00');
  await page.fill('#clinic-capacity', '0');
  await press(page, 'Save changes');
  await lookAnswer(page, 'change a clinic, with mistakes');
  expect((await page.locator('.nhsuk-error-summary a').count()) === 2, 'the end and the places are at fault');
  await page.fill('#clinic-start', '10:00');
  await page.fill('#clinic-end', '13:00');
  await page.fill('#clinic-capacity', '8');
  await press(page, 'Save changes');
  expect((await textOf(page, '#clinics')).includes('10am to 1pm'), 'the clinic moved');
  await page.getByRole('link', { name: 'Completed clinics' }).click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'completed clinics');

  current = 'desk: consent by phone';
  const children = join(files.dir, 'children.csv');
  writeFileSync(children, `NHS Number,Child name,Date of Birth,Parent mobile,Parent email,School URN\r\n` +
    `${CHILD.nhs_number},Missed School,${CHILD.date_of_birth},07700 900203,parent.m@example.test,100001\r\n`);
  await page.goto(`${hub.origin}${CONSOLE}/campaigns/flu`);
  await page.setInputFiles('#cohort', children);
  await press(page, 'Upload and label');
  await press(page, 'See the members');
  await page.getByRole('link', { name: '999 300 0027' }).click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'a child');
  await page.check('#consent-given');
  await page.fill('#consent-notes', 'Mother, by phone');
  await press(page, 'Record consent');
  await look(page, 'desk', 'consent recorded');
  expect((await textOf(page, '#member-consent')) === 'Given', 'consent given');
  expect((await textOf(page, '#activity')).toLowerCase().includes('consent'), 'the activity log has it');
  const childPage = page.url();

  current = 'desk: community clinics';
  const FLUENZ = ['43208811000001106', 'Fluenz'];
  await page.goto(`${hub.origin}${CONSOLE}/campaigns/flu`);
  await addClinic(page, { location: 'Riverside Community Centre', published: true, date: day(0), dose: 'first',
    community: true, vaccine: FLUENZ });
  await addClinic(page, { location: 'Riverside Community Centre', published: true, date: day(14), dose: 'first',
    community: true, vaccine: FLUENZ });
  await addClinic(page, { location: 'Riverside Primary', published: true, date: day(-2), dose: 'first',
    school: '100001', vaccine: FLUENZ });
  await look(page, 'desk', 'community clinics');
  await press(page, 'Send booking reminders');
  await lookAnswer(page, 'booking reminders');
  await page.goto(`${hub.origin}${CONSOLE}/campaigns/flu/completed-clinics`);
  await look(page, 'desk', 'completed school session');
  await page.locator('#completed-clinics button').first().click();
  await page.waitForLoadState('load');
  await lookAnswer(page, 'children who missed the session');
  expect((await textOf(page, '#will-invite')).includes('999 300 0027'), 'the child who missed it');
  await press(page, 'Check the text');
  await look(page, 'desk', 'missed session text checked', false);
  await page.goto(childPage);
  await press(page, 'Invite to a community clinic');
  await look(page, 'desk', 'child invited to a community clinic', false);
  await page.locator('#walk-in button').first().click();
  await page.waitForLoadState('load');
  await look(page, 'desk', 'child added as a walk-in');
  expect((await textOf(page, '#member-status')) === 'Booked 1st', 'the walk-in is booked');

  current = 'phone: every page again';
  const phone = await (await browser.newContext({ viewport: WIDTHS.phone, bypassCSP: true, storageState: await desk.storageState() })).newPage();
  for (const [name, url] of visited) {
    await phone.goto(url);
    await look(phone, 'phone', name, false);
  }
  console.log(`ok    the campaign journeys (${visited.length} pages again on a phone)`);
} catch (e) {
  failed = true;
  console.log(`FAIL  ${current}: ${e.stack ?? e}`);
  if (hub) console.log(`      hub log (last lines):\n${hub.logTail(30).replace(/^/gm, '        ')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (hub) {
    await hub.stop();
    if (!failed && axe.failures.length === 0) hub.cleanup();
  }
}
console.log(`screenshots in ${opts.screenshots}`);
console.log(`${axe.checked} pages checked, ${axe.failures.length} with violations${failed ? ', and the run stopped early' : ''}`);
process.exit(failed || axe.failures.length > 0 ? 1 : 0);
