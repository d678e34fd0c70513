// ctest browser_accessibility: axe-core's WCAG 2.2 A and AA rules on every kind of staff sign-in page and
// patient page, as served by a real `clinhub serve` with NHS.UK frontend's CSS, in headless Chromium at a
// phone's width and a desk's. Any violation fails the test, listed with the elements at fault.
//
//   node tests/browser/accessibility.mjs --clinhub build/clinhub [--chromium /usr/bin/chromium]
//
// The pages keep their strict Content-Security-Policy for people; only this test's browser context is told
// to let axe's script in (bypassCSP), which changes nothing about how the page is laid out or read.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Axe, WIDTHS } from './lib/axe.mjs';
import { chooseDayAndTime, enterDateOfBirth, launch, press } from './lib/chromium.mjs';
import { Hub, ORG, TEST_PATIENT, FLU_RULE, FLU_TEMPLATES, args, writeHubFiles, urlsIn } from './lib/hub.mjs';

const run = promisify(execFile);
const opts = args({ chromium: '/usr/bin/chromium' });
if (!opts.clinhub) {
  console.error('usage: node tests/browser/accessibility.mjs --clinhub PATH/TO/clinhub [--chromium PATH]');
  process.exit(2);
}

let chromium;
let axe;
try {
  ({ chromium } = await import('playwright-core'));
  axe = new Axe();
} catch (e) {
  console.error(`FAIL  playwright-core or axe-core is not installed (run scripts/setup): ${e.message}`);
  process.exit(1);
}
if (!existsSync(opts.chromium)) {
  console.error(`FAIL  no Chromium at ${opts.chromium} (scripts/setup installs Debian's chromium)`);
  process.exit(1);
}

const STAFF_EMAIL = 'jo.example@test-surgery.example';
const STAFF_PASSWORD = 'correct horse battery staple';

let hub;
let browser;
const seenConfirmations = new Set(); // each width books its own appointment, and manages it through its own SMS
const check = (page, name) => axe.check(page, name);

// The staff pages: set a password from the first admin's link, with a mistake first; sign in, with a
// mistake first; the signed-in page.
async function staffPages(page, width, setPasswordUrl) {
  if (setPasswordUrl) {
    await page.goto(setPasswordUrl);
    await check(page, `${width}: set your password`);
    await page.fill('#password', 'short');
    await page.fill('#confirm', 'short');
    await press(page, 'Set password');
    await check(page, `${width}: set your password, with an error`);
    await page.fill('#password', STAFF_PASSWORD);
    await page.fill('#confirm', STAFF_PASSWORD);
    await press(page, 'Set password');
  } else {
    await page.goto(`${hub.origin}/staff/sign-in`);
  }
  await check(page, `${width}: sign in`);
  await page.fill('#email', STAFF_EMAIL);
  await page.fill('#password', 'not the password');
  await press(page, 'Sign in');
  await check(page, `${width}: sign in, with an error`);
  await page.fill('#password', STAFF_PASSWORD);
  await press(page, 'Sign in');
  if (!page.url().endsWith(`/staff/${ORG}`)) throw new Error(`signing in led to ${page.url()}, not the console of ${ORG}`);
  await check(page, `${width}: signed in`);
}

// The patient pages of one link: welcome, date of birth (wrong first), days (none chosen first), times,
// review, confirmation, the booked link reopened; then through the confirmation's manage link, the appointment,
// cancelling it, and the cancelled link.
async function patientPages(page, width) {
  const link = await hub.createLink('flu', TEST_PATIENT);
  const token = new URL(link.url).pathname;
  const sms = await hub.waitForMessage((m) => m.channel === 'sms' && m.body.includes(token), 'invite SMS');
  const url = hub.localUrl(urlsIn(sms.body).find((u) => u.includes(token)));
  await page.goto(url);
  await check(page, `${width}: welcome`);
  await press(page, 'Continue to book');
  await check(page, `${width}: date of birth`);
  const [y, ...monthDay] = TEST_PATIENT.date_of_birth.split('-');
  await enterDateOfBirth(page, [Number(y) + 1, ...monthDay].join('-'));
  await check(page, `${width}: date of birth, with an error`);
  await enterDateOfBirth(page, TEST_PATIENT.date_of_birth);
  await check(page, `${width}: days with free slots`);
  await press(page, 'Continue');
  await check(page, `${width}: days with free slots, with an error`);
  await chooseDayAndTime(page);
  await check(page, `${width}: times of the day`);
  await press(page, 'Continue');
  await check(page, `${width}: review`);
  await press(page, 'Confirm appointment');
  await check(page, `${width}: confirmation`);
  await page.goto(url);
  await check(page, `${width}: a booked link reopened`);
  const confirmation = await hub.waitForMessage((m) => m.channel === 'sms' && !seenConfirmations.has(m.reference) &&
    m.body.startsWith('Test Surgery: your flu vaccination is booked'), 'confirmation SMS');
  seenConfirmations.add(confirmation.reference);
  const manage = hub.localUrl(urlsIn(confirmation.body)[0]);
  await page.goto(manage);
  await press(page, 'Continue');
  await enterDateOfBirth(page, TEST_PATIENT.date_of_birth);
  await check(page, `${width}: your appointment`);
  await page.click('text=Cancel this appointment');
  await check(page, `${width}: cancel your appointment`);
  await press(page, 'Cancel appointment');
  if (!(await page.textContent('h1')).includes('has been cancelled')) throw new Error('the appointment was not cancelled');
  await check(page, `${width}: a cancelled appointment`);
  await page.goto(`${hub.origin}/b/${'x'.repeat(43)}`);
  await check(page, `${width}: a link that does not exist`);
}

let failed = false;
try {
  const files = writeHubFiles({ seed: { patients: [TEST_PATIENT], templates: FLU_TEMPLATES }, rules: { flu: FLU_RULE } });
  hub = new Hub(opts.clinhub, files);
  await hub.start();
  await hub.createKey();
  const made = await run(hub.exe, ['users', 'create', '--config', files.config, '--org', ORG, '--email', STAFF_EMAIL,
    '--role', 'admin', '--name', 'Jo Example']);
  const printed = urlsIn(made.stdout).find((u) => u.includes('/staff/set-password/'));
  if (!printed) throw new Error(`clinhub users create printed no set-password link:\n${made.stdout}`);
  let setPasswordUrl = hub.localUrl(printed);

  browser = await launch(chromium, opts.chromium);
  await axe.control(browser);
  for (const [width, viewport] of Object.entries(WIDTHS)) {
    const context = await browser.newContext({ viewport, bypassCSP: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await staffPages(page, width, setPasswordUrl);
    setPasswordUrl = null; // the link works once: the desk signs in with the password the phone set
    await patientPages(page, width);
    await context.close();
  }
} catch (e) {
  failed = true;
  console.log(`FAIL  ${e.stack ?? e}`);
  if (hub) console.log(`      hub log (last lines):\n${hub.logTail(30).replace(/^/gm, '        ')}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (hub) {
    await hub.stop();
    if (!failed && axe.failures.length === 0) hub.cleanup();
  }
}
console.log(`${axe.checked} pages checked, ${axe.failures.length} with violations${failed ? ', and the run stopped early' : ''}`);
process.exit(failed || axe.failures.length > 0 ? 1 : 0);
