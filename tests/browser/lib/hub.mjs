// A real `clinhub serve` for Node tests and benchmarks: a temp folder with its config, seed and outbox
// file, the process on an ephemeral port, an API key from `clinhub keys create`, the staff API, and the
// SMS the outbox-file sink writes (JSON lines: {"time","channel","reference","to","body"}).
//
// Test data only: NHS numbers in the 999 range (valid by modulus 11), mobiles in 07700 900000-900999.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ORG = 'A12345';
export const TEST_PATIENT = {
  nhs_number: '9995260182',
  date_of_birth: '1956-03-14',
  mobile: '07700 900123',
  name: 'Testy',
};

// Reads `--name value` pairs from argv, with defaults.
export function args(defaults = {}) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; ++i) {
    if (!argv[i].startsWith('--')) continue;
    const key = argv[i].slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else out[key] = argv[++i];
  }
  return out;
}

// NHS numbers of the 999 test range, valid by modulus 11, `count` of them from `start` upwards.
export function testNhsNumbers(count, start = 999_100_000) {
  const numbers = [];
  for (let n = start; numbers.length < count; ++n) {
    const digits = String(n).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 9; ++i) sum += Number(digits[i]) * (10 - i);
    const r = sum % 11;
    const check = r === 0 ? 0 : 11 - r;
    if (check === 10) continue;
    numbers.push(digits + check);
  }
  return numbers;
}

// A YAML double-quoted scalar.
const q = (s) => JSON.stringify(String(s));

// The local-book seed: patients, and slot templates generating slots from tomorrow on.
export function seedYaml({ patients, templates }) {
  let y = 'patients:\n';
  for (const p of patients) {
    y += `  - nhs_number: ${q(p.nhs_number)}\n    date_of_birth: ${q(p.date_of_birth)}\n`;
    if (p.mobile) y += `    mobile: ${q(p.mobile)}\n`;
    if (p.name) y += `    name: ${q(p.name)}\n`;
  }
  y += 'slot_templates:\n';
  for (const t of templates) {
    y += `  - slot_type: ${q(t.slot_type)}\n    clinician: ${q(t.clinician)}\n    location: ${q(t.location)}\n`;
    y += `    weekdays: [${t.weekdays.join(', ')}]\n    start: ${q(t.start)}\n    end: ${q(t.end)}\n`;
    y += `    slot_minutes: ${t.slot_minutes}\n`;
    if (t.telephone) y += '    telephone: true\n';
  }
  return y;
}

// One booking rule, as YAML under an organisation's `rules:`.
export function ruleYaml(id, rule) {
  const lines = [`      ${id}:`, `        title: ${q(rule.title)}`, `        slot_types: [${rule.slot_types.map(q).join(', ')}]`];
  for (const key of ['horizon_days', 'link_expiry_days', 'allow_decline', 'allow_reschedule', 'allow_cancel', 'mode',
    'min_notice_hours'])
    if (rule[key] !== undefined) lines.push(`        ${key}: ${rule[key]}`);
  if (rule.windows)
    lines.push(`        windows: [${rule.windows.map((w) => `{label: ${q(w.label)}, from: ${q(w.from)}, to: ${q(w.to)}}`).join(', ')}]`);
  if (rule.codes) {
    lines.push('        codes:');
    for (const [name, c] of Object.entries(rule.codes))
      lines.push(`          ${name}: {code: ${q(c.code)}, term: ${q(c.term)}}`);
  }
  if (rule.templates) {
    lines.push('        templates:');
    for (const [name, text] of Object.entries(rule.templates)) lines.push(`          ${name}: ${q(text)}`);
  }
  return lines.join('\n') + '\n';
}

// Writes hub.yaml and book-seed.yaml into a new temp folder; returns {dir, config, outbox, bookDb, hubDb}.
// A book's peer process (a simulator): started with `--port-file`, its port read from there.
export async function startPeer(command, timeoutMs = 15000) {
  const dir = mkdtempSync(join(tmpdir(), 'clinhub-peer-'));
  const portFile = join(dir, 'port');
  const proc = spawn('/bin/sh', ['-c', `exec ${command} --port-file '${portFile}'`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(portFile)) {
    if (proc.exitCode !== null) throw new Error(`the book's peer exited before listening: ${command}`);
    if (Date.now() > deadline) throw new Error(`the book's peer wrote no port in ${timeoutMs} ms: ${command}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(readFileSync(portFile, 'utf8').trim());
  return {
    port,
    stop: () => {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `book`, when given, replaces local-book: {plugin, config} with config a YAML flow mapping. `store` is the
// hub's store URL (the benchmarks run on PostgreSQL too); by default a SQLite file in the folder. `outbox` is
// hub.outbox: tests poll every 20 ms to see a message go at once.
export function writeHubFiles({ seed, rules, generateDays = 14, httpThreads, extraHub = '', book, store = 'sqlite:hub.db',
  outbox = '{poll_ms: 20, workers: 1}' }) {
  const dir = mkdtempSync(join(tmpdir(), 'clinhub-node-'));
  writeFileSync(join(dir, 'book-seed.yaml'), seedYaml(seed));
  let rulesYaml = '';
  for (const [id, rule] of Object.entries(rules)) rulesYaml += ruleYaml(id, rule);
  const config = `hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: ${q(store)}
  outbox: ${outbox}
  local_demo: true
  # Every test patient and benchmark client comes from 127.0.0.1: per-address limits would take them for one
  # greedy client (tests/http and tests/web prove the limits themselves).
  http: {max_connections_per_client: 100000${httpThreads ? `, threads: ${httpThreads}` : ''}}
  patient_limits: {date_of_birth_checks_per_hour: 0, bookings_per_hour: 0}
${extraHub}connectors:
  book:
${book ? `    plugin: ${book.plugin}\n    config: ${book.config}\n` : `    plugin: local-book
    config:
      database: book.db
      seed: book-seed.yaml
      generate: {days: ${generateDays}, timezone: Europe/London}
`}  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  ${ORG}:
    name: Test Surgery
    route: {appointment_book: book, sms: [outbox], email: outbox}
    rules:
${rulesYaml}`;
  writeFileSync(join(dir, 'hub.yaml'), config);
  return {
    dir,
    config: join(dir, 'hub.yaml'),
    outbox: join(dir, 'outbox.jsonl'),
    bookDb: join(dir, 'book.db'),
    hubDb: join(dir, 'hub.db'),
    log: join(dir, 'hub.log'),
  };
}

// The flu rule the browser journeys use.
export const FLU_RULE = {
  title: 'Flu vaccination',
  slot_types: ['Flu clinic'],
  horizon_days: 42,
  link_expiry_days: 7,
  allow_decline: true,
  allow_reschedule: true,
  allow_cancel: true,
  codes: { decline: { code: '822931000000100', term: 'Seasonal influenza vaccination declined' } },
  templates: {
    invite_sms: 'Test Surgery: please book your flu vaccination: {{url}}',
    confirmation_sms: 'Test Surgery: your flu vaccination is booked for {{when}} at {{where}}. To change it: {{url}}',
  },
};

// Every day, so there are slots whatever day the test runs.
export const FLU_TEMPLATES = [
  { slot_type: 'Flu clinic', clinician: 'Nurse Test Example', location: 'Treatment Room 1',
    weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '10:00', slot_minutes: 10 },
];

export class Hub {
  constructor(exe, files) {
    this.exe = resolve(exe);
    this.files = files;
    this.proc = null;
    this.port = 0;
    this.key = null;
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  // Starts `clinhub serve` and waits for "clinhub serving on port N" on its stdout.
  async start(timeoutMs = 30000) {
    const { openSync } = await import('node:fs');
    const err = openSync(this.files.log, 'a');
    this.proc = spawn(this.exe, ['serve', '--config', this.files.config], {
      stdio: ['ignore', 'pipe', err],
      cwd: this.files.dir,
    });
    Hub.running.add(this);
    const exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => resolve({ code, signal }));
      this.proc.once('error', (e) => resolve({ code: e.message }));
    });
    const port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`clinhub serve did not report its port in ${timeoutMs} ms`)), timeoutMs);
      const lines = createInterface({ input: this.proc.stdout });
      lines.on('line', (line) => {
        const m = /serving on port (\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`clinhub serve exited (${signal ?? code}) before serving:\n${this.logTail()}`));
      });
    });
    this.port = port;
    this.proc.stdout.resume();
    return this;
  }

  // The log's last lines, and how the process ended if it is no longer running.
  logTail(lines = 40) {
    let tail = existsSync(this.files.log) ? readFileSync(this.files.log, 'utf8').split('\n').slice(-lines).join('\n') : '(no hub log)';
    if (this.proc && (this.proc.exitCode !== null || this.proc.signalCode !== null))
      tail += `\nclinhub serve has exited (${this.proc.signalCode ?? `code ${this.proc.exitCode}`})`;
    return tail;
  }

  // SIGTERM, then SIGKILL if it does not stop within five seconds.
  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
      Hub.running.delete(this);
      return;
    }
    const done = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    Hub.running.delete(this);
  }

  // `clinhub keys create --config F --org ODS`: the key is printed once, alone on the first line.
  async createKey(org = ORG) {
    let out;
    try {
      out = await run(this.exe, ['keys', 'create', '--config', this.files.config, '--org', org, '--name', 'node tests']);
    } catch (e) {
      throw new Error(`clinhub keys create failed (${e.code}): ${e.stderr || e.message}`);
    }
    const key = out.stdout.split('\n')[0].trim();
    if (!/^\S{16,}$/.test(key)) throw new Error(`no key on the first line of clinhub keys create's output:\n${out.stdout}`);
    this.key = key;
    return this.key;
  }

  // The staff API: {status, body (parsed JSON when it is JSON), text}.
  async api(method, path, body) {
    const res = await fetch(this.origin + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.key}`,
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json, text };
  }

  // POST /api/v1/organisations/{org}/links → the created link {id, url, status, expires_at}.
  async createLink(rule, patient, org = ORG) {
    const r = await this.api('POST', `/api/v1/organisations/${org}/links`, { rule, patient });
    if (r.status !== 201) throw new Error(`POST /api/v1/organisations/${org}/links: ${r.status} ${r.text}`);
    for (const field of ['id', 'url', 'status', 'expires_at'])
      if (!(field in r.body)) throw new Error(`the created link has no '${field}': ${r.text}`);
    return r.body;
  }

  // GET .../links?nhs_number= → the list of links (accepts a bare array or {links: [...]}).
  async linkHistory(nhsNumber, org = ORG) {
    const r = await this.api('GET', `/api/v1/organisations/${org}/links?nhs_number=${encodeURIComponent(nhsNumber)}`);
    if (r.status !== 200) throw new Error(`GET links?nhs_number=: ${r.status} ${r.text}`);
    const list = Array.isArray(r.body) ? r.body : r.body?.links ?? r.body?.items;
    if (!Array.isArray(list)) throw new Error(`the link history is not a list: ${r.text}`);
    return list;
  }

  // Every message the outbox-file sink has written so far.
  messages() {
    if (!existsSync(this.files.outbox)) return [];
    return readFileSync(this.files.outbox, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }

  // Polls the outbox file until a message matches, or throws after `timeoutMs`.
  async waitForMessage(predicate, what, timeoutMs = 15000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages().find(predicate);
      if (found) return found;
      if (Date.now() > until) {
        const seen = this.messages().map((m) => `  ${m.channel} to ${m.to}: ${m.body}`).join('\n');
        throw new Error(`no ${what} in ${this.files.outbox} after ${timeoutMs} ms; it has:\n${seen || '  (nothing)'}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // The hub's public URL in a message rebased onto the running hub: the config listens on port 0, so
  // the public_url the SMS was built from does not know the port.
  localUrl(url) {
    const u = new URL(url);
    return this.origin + u.pathname + u.search;
  }

  // Removes the temp folder (unless CLINHUB_KEEP_TMP is set, for looking at a failure).
  cleanup() {
    if (!process.env.CLINHUB_KEEP_TMP) rmSync(this.files.dir, { recursive: true, force: true });
  }
}
Hub.running = new Set();

// Whatever happens, no hub outlives the script.
function killAll() {
  for (const hub of Hub.running) {
    try {
      hub.proc.kill('SIGKILL');
    } catch {}
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

export const urlsIn = (text) => text.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
export const normalisedMobile = (mobile) => '+44' + mobile.replace(/\s+/g, '').replace(/^0/, '');

// Runs sqlite3 on a file and returns the rows as arrays of strings.
export async function sql(dbFile, query) {
  const { stdout } = await run('sqlite3', ['-separator', '\t', dbFile, query]);
  return stdout.split('\n').filter((l) => l).map((l) => l.split('\t'));
}
