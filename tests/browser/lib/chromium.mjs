// Debian's Chromium as every browser test drives it, and the steps the journeys share: pressing a button or
// link by its name, a date of birth entered, a day then a time chosen, and a patient booking the first time a
// link offers.
import { existsSync, mkdirSync } from 'node:fs';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// playwright-core's Chromium for a test run with `opts` (lib/hub.mjs args): exits 2 with `usage` when one
// of `required` is missing, 1 when playwright-core or Chromium is not installed; makes opts.screenshots.
export async function playwrightChromium(opts, usage, required = ['clinhub']) {
  if (required.some((key) => !opts[key])) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    console.error(`FAIL  playwright-core is not installed (run scripts/setup): ${e.message}`);
    process.exit(1);
  }
  if (!existsSync(opts.chromium)) {
    console.error(`FAIL  no Chromium at ${opts.chromium} (scripts/setup installs Debian's chromium)`);
    process.exit(1);
  }
  if (opts.screenshots) mkdirSync(opts.screenshots, { recursive: true });
  return chromium;
}

// Headless, with nothing of its own reaching the network (updates, sync, QUIC probes).
export function launch(chromium, executablePath) {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

// Clicks the button or link named `name` and waits for the page it leads to.
export async function press(page, name) {
  const target = page.getByRole('button', { name, exact: true }).or(page.getByRole('link', { name, exact: true })).first();
  await Promise.all([page.waitForLoadState('load'), target.click()]);
  await page.waitForLoadState('load');
}

// The patient pages' day, month and year fields from an ISO date; then Continue.
export async function enterDateOfBirth(page, isoDate) {
  const [y, m, d] = isoDate.split('-');
  await page.fill('#dob-day', String(Number(d)));
  await page.fill('#dob-month', String(Number(m)));
  await page.fill('#dob-year', y);
  await press(page, 'Continue');
}

// The radios of the times page: exact times, or a telephone rule's windows of the day.
export const TIME_RADIOS = 'input[type=radio][name=slot], input[type=radio][name=window]';

// Ticks `radio` as a person does: NHS.UK radios draw their own circle over the input, so by its label.
export async function tap(page, radio) {
  const id = await radio.getAttribute('id');
  if (id) await page.locator(`label[for="${id}"]`).click();
  else await radio.check({ force: true });
  if (!(await radio.isChecked())) throw new Error(`the radio ${await radio.getAttribute('value')} did not become checked`);
}

// From the days page: the first day of the week shown with a time whose value is not in `avoid` ("Choose a
// different day" when one has none), then that time, ticked; returns its value. Continue goes on to the review.
export async function chooseDayAndTime(page, avoid = []) {
  const days = page.locator('input[type=radio][name=day]');
  await days.first().waitFor({ state: 'attached' });
  const n = await days.count();
  for (let d = 0; d < n; ++d) {
    await tap(page, page.locator('input[type=radio][name=day]').nth(d));
    await press(page, 'Continue');
    const times = page.locator(TIME_RADIOS);
    await times.first().waitFor({ state: 'attached' });
    const count = await times.count();
    for (let i = 0; i < count; ++i) {
      const value = await times.nth(i).getAttribute('value');
      if (avoid.includes(value)) continue;
      await tap(page, times.nth(i));
      return value;
    }
    await press(page, 'Choose a different day');
  }
  throw new Error(`no time to choose in the ${n} days shown (avoiding ${avoid.join(', ')})`);
}

// Picks the first day offered, then its first time (or window), and goes on to the review.
export async function chooseFirstTime(page) {
  await chooseDayAndTime(page);
  await press(page, 'Continue');
}

// A patient opens `url`, proves their date of birth and books the first time offered; returns the
// confirmation page's heading.
export async function bookFirstTime(page, url, dateOfBirth) {
  await page.goto(url);
  await press(page, 'Continue to book');
  await enterDateOfBirth(page, dateOfBirth);
  await chooseFirstTime(page);
  await press(page, 'Confirm appointment');
  return (await page.locator('h1').first().innerText()).trim();
}
