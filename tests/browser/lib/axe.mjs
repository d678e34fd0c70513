// axe-core's WCAG 2.2 A and AA rules on a page as it stands in Chromium, with a control page made to fail
// them first so a broken set-up cannot pass everything. Each violation is printed with the elements at
// fault; the caller ends the run failed if `failures` is not empty.
//
// The pages keep their strict Content-Security-Policy for people; only a test's browser context is told
// to let axe's script in (bypassCSP), which changes nothing about how the page is laid out or read.
import { createRequire } from 'node:module';

export const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const WIDTHS = { phone: { width: 390, height: 844 }, desk: { width: 1280, height: 900 } };

export class Axe {
  constructor() {
    this.path = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    this.checked = 0;
    this.failures = [];
  }

  // Runs axe on `page`; a violation is recorded against `name`.
  async check(page, name) {
    await page.addScriptTag({ path: this.path });
    const result = await page.evaluate(async (tags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
      }));
    }, TAGS);
    ++this.checked;
    if (result.length === 0) {
      console.log(`ok    axe: ${name}`);
      return;
    }
    console.log(`${name.startsWith('control') ? 'ok   ' : 'FAIL '} axe: ${name}: ${result.length} violation(s)`);
    for (const v of result) {
      console.log(`      ${v.id} (${v.impact}): ${v.help}`);
      for (const n of v.nodes.slice(0, 5)) console.log(`        ${n}`);
    }
    this.failures.push(name);
  }

  // A page with known faults must fail, or a broken axe set-up would pass everything.
  async control(browser) {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.setContent('<html><body><img src="x.png"><input type="text"></body></html>');
    const before = this.failures.length;
    await this.check(page, 'control: a page with an image without alt text and an unlabelled field');
    if (this.failures.length === before) throw new Error('axe found nothing wrong with a page made to fail it');
    this.failures.pop();
    await context.close();
  }
}
