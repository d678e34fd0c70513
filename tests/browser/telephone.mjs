// ctest browser_telephone: a telephone rule's patient journey in real headless Chromium on a phone's screen,
// against a real `clinhub serve`: the days with a free call a week at a time (Next and Previous week), the
// windows of a day ("Morning, 8am to midday"), the review, the confirmation and its SMS saying when we will
// call, then a change to another window through the manage link. axe-core checks every new page (WCAG 2.2
// A and AA) at a phone's width and the days and windows at a desk's; screenshots of the days and the
// windows on the phone go to DIR.
//
//   node tests/browser/telephone.mjs --clinhub build/clinhub --screenshots DIR [--chromium /usr/bin/chromium]
import { join } from 'node:path';
import { Axe, WIDTHS } from './lib/axe.mjs';
import { chooseDayAndTime, enterDateOfBirth, launch, playwrightChromium, press as pressOn, tap } from './lib/chromium.mjs';
import { Hub, TEST_PATIENT, FLU_RULE, FLU_TEMPLATES, args, writeHubFiles, urlsIn } from './lib/hub.mjs';

const opts = args({ chromium: '/usr/bin/chromium' });
const chromium = await playwrightChromium(opts,
  'node tests/browser/telephone.mjs --clinhub PATH/TO/clinhub --screenshots DIR [--chromium PATH]', ['clinhub', 'screenshots']);

// Two calls each morning and each afternoon, every day, for six weeks: more than one week of days.
const every = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const CALLS = { slot_type: 'Telephone review', clinician: 'Dr Test Example', location: 'Telephone', weekdays: every,
  slot_minutes: 15, telephone: true };
const TEMPLATES = [...FLU_TEMPLATES, { ...CALLS, start: '09:00', end: '09:30' }, { ...CALLS, start: '14:00', end: '14:30' }];
const CALLS_RULE = {
  title: 'Medication review',
  slot_types: ['Telephone review'],
  horizon_days: 42,
  allow_reschedule: true,
  mode: 'telephone',
  windows: [{ label: 'morning', from: '08:00', to: '12:00' }, { label: 'afternoon', from: '12:00', to: '18:30' }],
  templates: { invite_sms: 'Test Surgery: please book your medication review: {{url}}' },
};
const ukToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

const axe = new Axe();
let hub;
let browser;
let page;
let steps = 0;

async function step(name, fn) {
  const t = performance.now();
  const result = await fn();
  ++steps;
  console.log(`ok    ${name} (${(performance.now() - t).toFixed(0)} ms)`);
  return result;
}

const press = (name) => pressOn(page, name);
const h1 = async () => (await page.locator('h1').first().innerText()).trim();
async function expectH1(text) {
  const found = await h1();
  if (found !== text) throw new Error(`the heading is "${found}", expected "${text}"`);
}
async function expectText(text) {
  const body = await page.locator('body').innerText();
  if (!body.includes(text)) throw new Error(`the page does not say "${text}": ${body.slice(0, 600)}`);
}
// The page at a desk's width too, then back to the phone's.
async function checkBothWidths(name) {
  await axe.check(page, `phone: ${name}`);
  await page.setViewportSize(WIDTHS.desk);
  await axe.check(page, `desk: ${name}`);
  await page.setViewportSize(WIDTHS.phone);
}
// Follows the Next or Previous week link (its name carries the week's date, so it is found by its rel).
async function week(rel) {
  await Promise.all([page.waitForLoadState('load'), page.locator(`a[rel=${rel}]`).click()]);
  await page.waitForLoadState('load');
}
const dayValues = () => page.locator('input[type=radio][name=day]').evaluateAll((all) => all.map((r) => r.value));

try {
  const files = writeHubFiles({ seed: { patients: [TEST_PATIENT], templates: TEMPLATES }, generateDays: 42,
    rules: { flu: FLU_RULE, calls: CALLS_RULE } });
  hub = new Hub(opts.clinhub, files);
  await hub.start();
  await hub.createKey();
  browser = await launch(chromium, opts.chromium);
  await axe.control(browser);
  const context = await browser.newContext({ viewport: WIDTHS.phone, bypassCSP: true });
  page = await context.newPage();
  page.setDefaultTimeout(10000);

  const url = await step('staff send a telephone link; its SMS arrives', async () => {
    const link = await hub.createLink('calls', TEST_PATIENT);
    const token = new URL(link.url).pathname;
    const sms = await hub.waitForMessage((m) => m.channel === 'sms' && m.body.includes(token), 'invite SMS');
    return hub.localUrl(urlsIn(sms.body).find((u) => u.includes(token)));
  });
  await step('welcome, Continue to book, date of birth: the days of the first week', async () => {
    await page.goto(url);
    await expectH1('Medication review');
    await press('Continue to book');
    await enterDateOfBirth(page, TEST_PATIENT.date_of_birth);
    await expectH1('Choose a day');
    const days = await dayValues();
    if (days.length < 1 || days.length > 7) throw new Error(`${days.length} days offered, expected 1 to 7`);
    if (days.includes(ukToday)) throw new Error('today is offered for a call');
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (height > 2500) throw new Error(`the days page is ${height} pixels tall on a phone`);
    await page.screenshot({ path: join(opts.screenshots, 'telephone-days-phone.png'), fullPage: true });
  });
  await checkBothWidths('telephone days');
  await step('Continue without a day says to choose one', async () => {
    await press('Continue');
    await expectText('Choose a day');
    if ((await page.locator('.nhsuk-error-summary').count()) !== 1) throw new Error('no error summary');
  });
  await axe.check(page, 'phone: telephone days, with an error');
  await step('Next week shows later days, and Previous week the first again', async () => {
    const first = await dayValues();
    await week('next');
    const later = await dayValues();
    if (!later.length || later[0] <= first[first.length - 1]) throw new Error(`next week's days ${later} do not follow ${first}`);
    await axe.check(page, 'phone: telephone days, the next week');
    await week('prev');
    if ((await dayValues()).join() !== first.join()) throw new Error('Previous week did not come back to the first week');
  });
  await step('a day shows its windows with a free call, not times', async () => {
    await tap(page, page.locator('input[type=radio][name=day]').first());
    await press('Continue');
    await expectH1('Choose when we should call you');
    const labels = await page.locator('.nhsuk-radios__label').allInnerTexts();
    if (labels.join('|') !== 'Morning, 8am to midday|Afternoon, midday to 6:30pm') throw new Error(`the windows are ${labels}`);
    if (await page.locator('input[type=radio][name=slot]').count()) throw new Error('exact times are offered');
    await page.screenshot({ path: join(opts.screenshots, 'telephone-times-phone.png'), fullPage: true });
  });
  await checkBothWidths('telephone windows');
  await step('Continue without a window says to choose one', async () => {
    await press('Continue');
    await expectText('Choose a time');
  });
  await axe.check(page, 'phone: telephone windows, with an error');
  await step('the morning window: the review says when we will call', async () => {
    await tap(page, page.locator('input[type=radio][name=window]').first());
    await press('Continue');
    await expectH1('Check your appointment');
    await expectText('We will call you between 8am and midday');
    await expectText('By telephone');
  });
  await axe.check(page, 'phone: telephone review');
  await step('Confirm appointment: booked, and we will call between 8am and midday', async () => {
    await press('Confirm appointment');
    await expectH1('Appointment booked');
    await expectText('We will call you between 8am and midday on');
  });
  await axe.check(page, 'phone: telephone confirmation');
  const manage = await step('the confirmation SMS says when we will call, with a manage link', async () => {
    const sms = await hub.waitForMessage((m) => m.channel === 'sms' && m.body.includes('We will call you between 8am and midday on'),
      'confirmation SMS');
    return hub.localUrl(urlsIn(sms.body)[0]);
  });
  await step('the manage link changes the call to the afternoon of a day', async () => {
    page = await (await browser.newContext({ viewport: WIDTHS.phone, bypassCSP: true })).newPage();
    page.setDefaultTimeout(10000);
    await page.goto(manage);
    await press('Continue');
    await enterDateOfBirth(page, TEST_PATIENT.date_of_birth);
    await expectText('We will call you between 8am and midday');
    await press('Change appointment');
    await expectH1('Choose a new day');
    await chooseDayAndTime(page, ['morning']);
    await press('Continue');
    await press('Confirm appointment');
    await expectH1('Appointment changed');
    await expectText('We will call you between midday and 6:30pm on');
  });
  if (axe.failures.length) throw new Error(`axe found violations on: ${axe.failures.join('; ')}`);
  console.log(`PASS  ${steps} steps, ${axe.checked} axe checks`);
} catch (e) {
  console.error(`FAIL  ${e.stack ?? e}\n${hub ? hub.logTail() : ''}`);
  if (page) await page.screenshot({ path: join(opts.screenshots, 'FAILED.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  if (hub) await hub.stop();
  if (!process.exitCode && hub) hub.cleanup();
}
