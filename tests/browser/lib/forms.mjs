// A browser without a browser: plain HTTP with a cookie jar that reads the server-rendered pages and
// submits their forms (hidden CSRF fields included), as the pages work without JavaScript. Enough for
// the booking race, where 200 patients at once would be 200 Chromium tabs.
import http from 'node:http';

// One connection per request by default: the hub serves a keep-alive connection on one thread for as
// long as it is kept busy, so with more clients than threads, clients that share reused keep-alive
// sockets would starve the rest. CLINHUB_KEEPALIVE=1 reuses connections as browsers do.
const agent = new http.Agent({ keepAlive: process.env.CLINHUB_KEEPALIVE === '1', maxSockets: 256 });

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
export function decode(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

export const text = (html) => decode(html.replace(/<script[\s\S]*?<\/script>/gi, '').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g))
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

// A fetched page: its URL, status, HTML, and what a person would read and press on it.
export class Page {
  constructor(url, status, html) {
    this.url = url;
    this.status = status;
    this.html = html;
  }

  get h1() {
    const m = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(this.html);
    return m ? text(m[1]) : '';
  }

  get text() {
    const body = /<main\b[\s\S]*<\/main>/i.exec(this.html);
    return text(body ? body[0] : this.html);
  }

  links() {
    return [...this.html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)].map((m) => ({ ...attrs(m[1]), label: text(m[2]) }));
  }

  forms() {
    return [...this.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((m) => {
      const form = attrs(m[1]);
      const body = m[2];
      const inputs = [...body.matchAll(/<input\b([^>]*)>/gi)].map((i) => attrs(i[1]));
      const buttons = [
        ...[...body.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((b) => ({ ...attrs(b[1]), label: text(b[2]) })),
        ...inputs.filter((i) => i.type === 'submit').map((i) => ({ ...i, label: i.value ?? '' })),
      ];
      return { action: form.action ?? '', method: (form.method ?? 'get').toLowerCase(), inputs, buttons };
    });
  }

  // The name of the form field with this id (the date of birth's day, month and year fields, say).
  nameOf(id) {
    for (const f of this.forms()) {
      const input = f.inputs.find((i) => i.id === id);
      if (input) return input.name;
    }
    throw new Error(`no field #${id} on ${this.url} (${this.status}, h1 "${this.h1}"): ${this.text.slice(0, 600)}`);
  }

  // Values of radio buttons called `name`, in page order.
  radios(name) {
    return this.forms().flatMap((f) => f.inputs.filter((i) => i.type === 'radio' && i.name === name).map((i) => i.value));
  }
}

export class Client {
  constructor(origin) {
    this.origin = origin;
    this.cookies = new Map();
  }

  request(method, url, body) {
    const u = new URL(url, this.origin);
    const headers = { Accept: 'text/html' };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(u, { method, headers, agent }, (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const eq = pair.indexOf('=');
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          if (/max-age=0\b/i.test(c) || value === '') this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), url: u.href }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(60000, () => req.destroy(new Error(`${method} ${u.pathname}: no answer in 60 s`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  // Follows redirects (a POST answered 303 becomes a GET, as browsers do).
  async go(method, url, body) {
    let r = await this.request(method, url, body);
    for (let hops = 0; r.status >= 300 && r.status < 400 && r.headers.location; ++hops) {
      if (hops > 10) throw new Error(`too many redirects from ${url}`);
      r = await this.request('GET', new URL(r.headers.location, r.url).href);
    }
    return new Page(r.url, r.status, r.body);
  }

  get(url) {
    return this.go('GET', url);
  }

  // Presses the link or button labelled `label` (exact, ignoring case and spacing), with `fields`
  // overriding or adding to the form's own values. Throws, naming the page, when there is none.
  async press(page, label, fields = {}) {
    const want = label.toLowerCase();
    const link = page.links().find((l) => l.label.toLowerCase() === want && l.href);
    if (link) return this.get(new URL(link.href, page.url).href);
    for (const form of page.forms()) {
      const button = form.buttons.find((b) => b.label.toLowerCase() === want);
      if (!button) continue;
      const data = new URLSearchParams();
      const seen = new Set(Object.keys(fields));
      for (const i of form.inputs) {
        if (!i.name || seen.has(i.name) || i.type === 'submit' || i.type === 'button') continue;
        if ((i.type === 'radio' || i.type === 'checkbox') && !('checked' in i)) continue;
        data.append(i.name, i.value ?? '');
      }
      for (const [k, v] of Object.entries(fields)) data.append(k, v);
      if (button.name) data.append(button.name, button.value ?? '');
      const action = new URL(form.action || page.url, page.url).href;
      if (form.method === 'post') return this.go('POST', action, data.toString());
      const u = new URL(action);
      u.search = data.toString();
      return this.get(u.href);
    }
    throw new Error(`no "${label}" on ${page.url} (${page.status}, h1 "${page.h1}"): ${page.text.slice(0, 600)}`);
  }
}
