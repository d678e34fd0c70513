// ctest browser_console: the staff console in headless Chromium against a real `clinhub serve`, at a phone's
// width and a desk's, every page checked by axe-core (WCAG 2.2 A and AA) and saved as a screenshot.
//
// The Self-Book seed end to end from the console, in two browser contexts: a receptionist signs in (setting
// the password from the link `clinhub users create` printed), sends a patient a link using the keyboard only
// (a mistake first, named in the error summary; then the text previewed), and the patient books it on a
// phone; the receptionist's link page then says Booked, with the appointment. Then: the patient found from
// the header's search, the messages, the booking rules, a link expired and sent again; and a viewer, who
// sees no button that changes anything and is refused the send page.
//
//   node tests/browser/console.mjs --clinhub build/clinhub --screenshots DIR [--chromium /usr/bin/chromium]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Axe, WIDTHS } from './lib/axe.mjs';
import { bookFirstTime, launch, press } from './lib/chromium.mjs';
import { Hub, ORG, TEST_PATIENT, FLU_RULE, FLU_TEMPLATES, args, writeHubFiles, urlsIn, testNhsNumbers } from './lib/hub.mjs';

const run = promisify(execFile);
const opts = args({ chromium: '/usr/bin/chromium' });
if (!opts.clinhub || !opts.screenshots) {
  console.error('usage: node tests/browser/console.mjs --clinhub PATH/TO/clinhub --screenshots DIR [--chromium PATH]');
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
mkdirSync(opts.screenshots, { recursive: true });
for (const f of readdirSync(opts.screenshots)) if (f.endsWith('.png')) rmSync(join(opts.screenshots, f));

const PASSWORD = 'correct horse battery staple';
const RECEPTIONIST = { email: 'rita.reception@test-surgery.example', name: 'Rita Reception', role: 'staff' };
const VIEWER = { email: 'val.viewer@test-surgery.example', name: 'Val Viewer', role: 'viewer' };
const ADMIN = { email: 'ada.admin@test-surgery.example', name: 'Ada Admin', role: 'admin' };
const CONSOLE = `/staff/${ORG}`;

let hub;
let browser;
let current = '(starting)';
let shots = 0;

function expect(condition, what) {
  if (!condition) throw new Error(`${current}: ${what}`);
}

// axe on the page, and its screenshot.
async function look(page, width, name) {
  current = `${width}: ${name}`;
  await axe.check(page, current);
  const file = join(opts.screenshots, `${width}-${String(++shots).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

// Keyboard only: Tab until the element matching `selector` has the focus.
async function tabTo(page, selector, most = 80) {
  for (let i = 0; i < most; ++i) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${current}: ${most} presses of Tab never reached ${selector}`);
}

// Types into the focused field, replacing what is there.
async function retype(page, text) {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

async function enterAndWait(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
}

const textOf = async (page, selector) => (await page.locator(selector).first().innerText()).trim();

// `clinhub users create` prints the user's set-password link.
async function makeUser(user) {
  const made = await run(hub.exe, ['users', 'create', '--config', hub.files.config, '--org', ORG, '--email', user.email,
    '--role', user.role, '--name', user.name]);
  const printed = urlsIn(made.stdout).find((u) => u.includes('/staff/set-password/'));
  if (!printed) throw new Error(`clinhub users create printed no set-password link:\n${made.stdout}`);
  return hub.localUrl(printed);
}

async function signIn(page, user, setPasswordUrl) {
  if (setPasswordUrl) {
    await page.goto(setPasswordUrl);
    await page.fill('#password', PASSWORD);
    await page.fill('#confirm', PASSWORD);
    await press(page, 'Set password');
  } else {
    await page.goto(`${hub.origin}/staff/sign-in`);
  }
  await page.fill('#email', user.email);
  await page.fill('#password', PASSWORD);
  await press(page, 'Sign in');
  expect(page.url().endsWith(CONSOLE), `signing in led to ${page.url()}, not ${CONSOLE}`);
}

// The receptionist sends the test patient a link with the keyboard alone; returns the link page's URL.
async function sendByKeyboard(page, width) {
  await page.goto(hub.origin + CONSOLE);
  await look(page, width, 'home');
  await tabTo(page, `a[href="${CONSOLE}/links/new"]`);
  await enterAndWait(page);
  await look(page, width, 'send a link');
  await tabTo(page, '#rule');
  expect((await page.evaluate(() => document.activeElement.selectedOptions[0].text)) === FLU_RULE.title,
    'the rule is chosen by its title');
  expect((await textOf(page, '#message-length')).startsWith("The rule's own text: 1 text message"),
    'the invite\'s length is shown before anything is typed');
  await tabTo(page, '#nhs-number');
  await retype(page, '999 526 0183'); // the check digit is wrong
  await tabTo(page, '#date-of-birth');
  // Checked as the field is left, by the hub's own check, before anything is posted.
  await page.locator('#nhs-number-error').waitFor();
  expect((await textOf(page, '#nhs-number-error')).includes('check digit'), 'the NHS number is checked once left');
  await look(page, width, 'send a link, checked as it is filled in');
  await retype(page, TEST_PATIENT.date_of_birth.split('-').reverse().join('/'));
  await tabTo(page, '#mobile');
  await retype(page, TEST_PATIENT.mobile);
  await enterAndWait(page);
  await look(page, width, 'send a link, with a mistake');
  expect((await page.title()).startsWith('Error: '), 'the title says there is an error');
  const summary = await textOf(page, '.nhsuk-error-summary');
  expect(summary.includes('check digit'), `the error summary names the NHS number's problem: ${summary}`);
  await tabTo(page, '#nhs-number');
  await retype(page, TEST_PATIENT.nhs_number);
  await enterAndWait(page);
  await look(page, width, 'check the link');
  const sms = await textOf(page, '#invite-text');
  expect(sms.startsWith('Test Surgery: please book your flu vaccination: http'), `the preview shows the SMS: ${sms}`);
  await tabTo(page, 'button[value="send"]');
  await enterAndWait(page);
  await look(page, width, 'link sent');
  expect((await textOf(page, '#link-state')) === 'Sent', 'the new link is Sent');
  return page.url();
}

// The patient books the newest link the outbox sent them, on a phone.
async function patientBooks(context, seen) {
  const sms = await hub.waitForMessage(
    (m) => m.channel === 'sms' && m.body.startsWith('Test Surgery: please book') && !seen.has(m.reference), 'invite SMS');
  seen.add(sms.reference);
  const page = await context.newPage();
  const heading = await bookFirstTime(page, hub.localUrl(urlsIn(sms.body)[0]), TEST_PATIENT.date_of_birth);
  expect(heading.includes('booked'), 'the patient sees the booking confirmed');
  await page.close();
}

// A list as a practice exports it: `good` patients who can be sent a link, and a tenth as many again that
// cannot (a wrong check digit, a landline, no date of birth, a repeat), mixed in. Returns the file and the
// rows that cannot be sent, as uploaded. Each list has NHS numbers of its own from `start` (a patient who
// holds an open link already cannot be sent another).
function practiceList(dir, good, start) {
  const numbers = testNhsNumbers(good + Math.ceil(good / 10), start);
  const lines = ['NHS Number,Mobile Number,Date of Birth,Name'];
  const rejected = [];
  for (let i = 0; i < good; ++i) {
    lines.push(`${numbers[i]},07700 900${String(i % 1000).padStart(3, '0')},1970-01-01,`);
    if (i % 10 !== 9) continue;
    const k = good + (i - 9) / 10;
    const bad = [
      `${numbers[k].slice(0, 9)}${(Number(numbers[k][9]) + 1) % 10},07700 900123,1980-05-05,`,
      `${numbers[k]},01632 960000,1980-05-05,`,
      `${numbers[k]},07700 900123,,`,
      `${numbers[i]},07700 900123,1970-01-01,`,
    ][(i - 9) / 10 % 4];
    lines.push(bad);
    rejected.push(bad);
  }
  const file = join(dir, `list-${good}.csv`);
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  return { file, rejected, good };
}

// A batch from the console: its terms (a mistake in the code first), the list through the file picker, the
// review, the not-accepted list downloaded and compared with what was planted, then sent and followed.
async function batchJourney(page, width, list) {
  await page.goto(`${hub.origin}${CONSOLE}/batches`);
  await look(page, width, 'batches');
  await press(page, 'New batch');
  await look(page, width, 'new batch');
  await page.fill('#message', '{{practice}}: please book your flu jab: {{url}}');
  await page.fill('#invite-code', '12345');
  await page.fill('#invite-term', 'Invited by text');
  await press(page, 'Continue to the list');
  await look(page, width, 'new batch, with a mistake');
  expect((await textOf(page, '.nhsuk-error-summary')).length > 0, 'the wrong code is named');
  await page.fill('#invite-code', '');
  await page.fill('#invite-term', '');
  await press(page, 'Continue to the list');
  await look(page, width, 'batch waiting for its list');
  await page.setInputFiles('#csv', list.file);
  // The console's script sends the file itself, to show how far the upload (and so the check) has gone.
  const sentBy = [];
  const watch = (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/csv')) sentBy.push(r.resourceType()); };
  page.on('request', watch);
  await page.getByRole('button', { name: 'Upload and check', exact: true }).click();
  await page.locator('#can-send-count').waitFor(); // on the review the upload led to
  await page.waitForLoadState('load');
  page.off('request', watch);
  expect(sentBy.length === 1 && sentBy[0] === 'xhr', `the list went up once, with its progress shown (${sentBy.join(', ')})`);
  await look(page, width, 'batch reviewed');
  const canSend = await textOf(page, '#can-send-count');
  expect(canSend === `${list.good} patients`, `${list.good} can be sent, not ${canSend}`);
  const cannot = await textOf(page, '#cannot-send-count');
  expect(cannot === `${list.rejected.length} patient${list.rejected.length === 1 ? '' : 's'}`,
    `${list.rejected.length} cannot be sent, not ${cannot}`);
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the not accepted list (CSV)' }).click()]);
  const got = readFileSync(await download.path(), 'utf8').trim().split('\r\n');
  expect(got.length === list.rejected.length + 1, `the not accepted list has ${got.length - 1} rows, not ${list.rejected.length}`);
  for (const [i, row] of list.rejected.entries()) {
    const cells = got[i + 1].split('","').map((c) => c.replace(/^"|"$/g, ''));
    const sent = row.split(',');
    expect(sent.every((c, j) => cells[j] === c) && cells[sent.length].length > 0,
      `row ${i + 1} of the not accepted list is the row uploaded, with its reason: ${got[i + 1]}`);
  }
  // Scheduled for tomorrow morning, then called back: sent now instead.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.fill('#schedule-date', tomorrow);
  await page.fill('#schedule-time', '09:30');
  await press(page, 'Schedule');
  await look(page, width, 'batch scheduled');
  expect((await textOf(page, '#scheduled-for')).includes('9:30am'), 'the page says when it will send');
  await press(page, 'Cancel the schedule');
  await press(page, `Send to ${list.good} patients`);
  // The page follows the sending by itself (the console's script), with no reload.
  await page.waitForFunction(() => document.getElementById('batch-state')?.textContent === 'Sent', null,
    { timeout: 60000, polling: 250 });
  await look(page, width, 'batch sent');
  expect((await textOf(page, '#progress')).includes(`${list.good} of ${list.good}`), 'every link made');
}

// The console's script under the pages' own strict Content-Security-Policy (the other contexts let axe in):
// it runs, narrows the rule list, counts the text as it is typed, and the browser refuses nothing.
async function enhancedUnderStrictPolicy(storageState) {
  current = 'the console\'s script under the strict policy';
  const context = await browser.newContext({ storageState, viewport: WIDTHS.desk });
  const page = await context.newPage();
  const refused = [];
  page.on('console', (m) => { if (m.type() === 'error') refused.push(m.text()); });
  page.on('pageerror', (e) => refused.push(e.message));
  await page.goto(`${hub.origin}${CONSOLE}/links/new`);
  await page.locator('#rule-search').waitFor();
  await page.fill('#rule-search', 'no such rule at all');
  expect((await page.locator('#rule option').count()) === 0, 'a search that matches nothing leaves no option');
  expect((await textOf(page, '#rule-search-status')) === 'No booking rules match', 'and says so');
  await page.fill('#rule-search', FLU_RULE.title.split(' ')[0].toLowerCase());
  expect((await page.locator('#rule option').first().innerText()) === FLU_RULE.title, 'the rule is found by its title');
  await page.fill('#message', `${'Your practice invites you. '.repeat(7)}{{url}}`);
  await page.waitForFunction(() => document.getElementById('message-length')?.textContent.startsWith('2 text messages'),
    null, { timeout: 5000 });
  await page.fill('#message', 'Book: {{when}}');
  await page.locator('#message').blur();
  await page.locator('#message-error').waitFor();
  expect((await textOf(page, '#message-error')).includes('{{url}}'), `the text's fault is named: ${await textOf(page, '#message-error')}`);
  expect(refused.length === 0, `the browser reported errors: ${refused.join('; ')}`);
  await context.close();
  console.log('ok    the console\'s script under the strict policy');
}

let failed = false;
try {
  const files = writeHubFiles({ seed: { patients: [TEST_PATIENT], templates: FLU_TEMPLATES }, rules: { flu: FLU_RULE } });
  hub = new Hub(opts.clinhub, files);
  await hub.start();
  await hub.createKey();
  let receptionistLink = await makeUser(RECEPTIONIST);
  let viewerLink = await makeUser(VIEWER);
  let adminLink = await makeUser(ADMIN);
  browser = await launch(chromium, opts.chromium);
  await axe.control(browser);
  const seen = new Set();
  for (const [width, viewport] of Object.entries(WIDTHS)) {
    const staff = await browser.newContext({ viewport, bypassCSP: true });
    const patient = await browser.newContext({ viewport: WIDTHS.phone });
    const page = await staff.newPage();
    page.setDefaultTimeout(10000);

    current = `${width}: sign in`;
    await signIn(page, RECEPTIONIST, receptionistLink);
    receptionistLink = null; // the link works once
    for (const m of hub.messages()) seen.add(m.reference); // the patient opens the link sent next
    const linkPage = await sendByKeyboard(page, width);
    if (width === 'desk') await enhancedUnderStrictPolicy(await staff.storageState());
    current = `${width}: the patient books`;
    await patientBooks(patient, seen);
    await page.goto(linkPage);
    await look(page, width, 'link booked');
    expect((await textOf(page, '#link-state')) === 'Booked', 'the link page says Booked once the patient has');
    expect((await page.locator('table').first().innerText()).includes('Treatment Room 1'), 'with the appointment');

    await tabTo(page, '#search-field');
    await page.keyboard.type(TEST_PATIENT.nhs_number);
    await enterAndWait(page);
    await look(page, width, 'patient');
    expect((await textOf(page, '#patient-links')).includes('Booked'), "the patient's links show the booking");

    await press(page, 'Links');
    await look(page, width, 'links');
    expect((await textOf(page, '#links')).includes('Booked'), 'the practice-wide list has the booked link');
    await page.goto(`${hub.origin}${CONSOLE}/messages?state=sent`);
    await look(page, width, 'messages');
    await page.goto(`${hub.origin}${CONSOLE}/rules`);
    await look(page, width, 'booking rules');
    expect((await page.content()).includes(FLU_RULE.codes.decline.term), "the rule's codes are named by their terms");

    current = `${width}: a batch`;
    await batchJourney(page, width, width === 'desk' ? practiceList(files.dir, 910, 999_200_000) : practiceList(files.dir, 20, 999_100_000));

    const open = await hub.createLink('flu', TEST_PATIENT);
    await page.goto(`${hub.origin}${CONSOLE}/links/${open.id}`);
    await press(page, 'Expire link');
    await look(page, width, 'link expired');
    expect((await textOf(page, '#link-state')) === 'Expired', 'Expire link expires it');
    await press(page, 'Send again');
    await look(page, width, 'link sent again');
    expect(!page.url().includes(open.id) && (await textOf(page, '#link-state')) === 'Sent', 'a new link is sent');
    await staff.close();

    current = `${width}: a viewer`;
    const viewerContext = await browser.newContext({ viewport, bypassCSP: true });
    const viewer = await viewerContext.newPage();
    await signIn(viewer, VIEWER, viewerLink);
    viewerLink = null;
    await viewer.goto(linkPage);
    await look(viewer, width, 'a viewer on a link');
    expect((await viewer.getByRole('button', { name: 'Expire link' }).count()) === 0, 'a viewer has no Expire link');
    expect((await viewer.getByRole('button', { name: 'Send again' }).count()) === 0, 'a viewer has no Send again');
    expect((await viewer.getByRole('link', { name: 'Send a link' }).count()) === 0, 'nor Send a link in the menu');
    const refused = await viewer.goto(`${hub.origin}${CONSOLE}/links/new`);
    expect(refused.status() === 403, `the send page is refused to a viewer (${refused.status()})`);
    await look(viewer, width, 'refused to a viewer');
    await viewerContext.close();

    current = `${width}: an admin`;
    const adminContext = await browser.newContext({ viewport, bypassCSP: true });
    const admin = await adminContext.newPage();
    await signIn(admin, ADMIN, adminLink);
    adminLink = null;
    await press(admin, 'Users and keys');
    await look(admin, width, 'users and keys');
    await admin.fill('#user-name', `Sam Staff ${width}`);
    await admin.fill('#user-email', 'not an email');
    await press(admin, 'Send invitation');
    await look(admin, width, 'invite a user, with a mistake');
    await admin.fill('#user-email', `sam.${width}@test-surgery.example`);
    await press(admin, 'Send invitation');
    expect((await textOf(admin, '#users')).includes(`Sam Staff ${width}`), 'the invited user is listed');
    await admin.fill('#key-name', `Practice system ${width}`);
    await press(admin, 'Create key');
    await look(admin, width, 'key created');
    const key = await textOf(admin, '#new-key');
    const r = await fetch(`${hub.origin}/api/v1/organisations/${ORG}/slot-types`, { headers: { Authorization: `Bearer ${key}` } });
    expect(r.status === 200, `the key shown opens the API (${r.status})`);
    await adminContext.close();
    await patient.close();
    console.log(`ok    ${width}: the console journeys`);
  }
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
