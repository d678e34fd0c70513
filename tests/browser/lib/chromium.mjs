// Debian's Chromium as every browser test drives it, and the steps the journeys share: pressing a button or
// link by its name, a date of birth entered, and a patient booking the first time a link offers.
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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

// Picks the first time offered (by its label, as a person taps it) and goes on to the review.
export async function chooseFirstTime(page) {
  const radio = page.locator('input[type=radio][name=slot]').first();
  await page.locator(`label[for="${await radio.getAttribute('id')}"]`).click();
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
