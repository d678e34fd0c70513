// GET /b/<token> (the patient's welcome page) under wrk, against nginx serving a static file of the same
// bytes on the same machine. Prints requests/s of both, the ratio, and p99 latency of both, against the
// target: at least 0.25x nginx, p99 at most 10 ms. Then the same again while --slow sockets (1,000 by
// default, ten from each of 127.0.0.2-101) dribble half-sent request heads at both servers. Asserts nothing.
// The hub's store is CLINHUB_BENCH_STORE's (bench/report.mjs).
//
//   node bench/web_get.mjs --clinhub build-bench/clinhub [--duration 10s] [--connections 256] [--threads 2]
//                          [--slow 1000] [--hub-threads N (hub.http.threads; the hub's default when not given)]
//                          [--nginx PATH]
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Hub, TEST_PATIENT, FLU_RULE, FLU_TEMPLATES, args, writeHubFiles } from '../tests/browser/lib/hub.mjs';
import { benchStore, storeName, result, ratio as times, verdict } from './report.mjs';

const run = promisify(execFile);
const opts = args({ duration: '10s', connections: '256', threads: '2', nginx: '/usr/sbin/nginx', warmup: '2s',
  slow: '1000' });
if (!opts.clinhub) {
  console.error('usage: node bench/web_get.mjs --clinhub PATH/TO/clinhub [--duration 10s] [--connections 64]');
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const toMs = (v, unit) => Number(v) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[unit];

// wrk's --latency report → {rps, p50, p99, errors, non2xx}.
function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  return { rps, p50: pct(50), p99: pct(99), errors, non2xx, requests };
}

async function wrk(url, duration) {
  const { stdout } = await run('wrk', [`-t${opts.threads}`, `-c${opts.connections}`, `-d${duration}`, '--latency', url],
    { maxBuffer: 1 << 20 });
  return stdout;
}

async function measure(name, url) {
  await wrk(url, opts.warmup); // connections, caches and thread pools warmed, not counted
  const out = await wrk(url, opts.duration);
  if (process.env.BENCH_VERBOSE) console.log(out);
  const r = parseWrk(out);
  if (r.errors || r.non2xx) console.log(`  ${name}: ${r.errors} socket errors, ${r.non2xx} non-2xx/3xx responses`);
  return r;
}

// Sockets that each send half a request head, then a byte a second, from ten source addresses per hundred
// sockets (127.0.0.2 on): what a slow-client attack looks like to both servers.
async function slowSockets(url, count) {
  const { hostname, port } = new URL(url);
  const sockets = new Array(count);
  let stopped = false;
  // A socket the server closes (its head deadline passed) is opened again, as an attacker would.
  const open = (i) => {
    const s = connect({ host: hostname, port: Number(port), localAddress: `127.0.0.${2 + (i % 100)}` });
    s.on('error', () => {});
    s.on('close', () => { if (!stopped) setTimeout(() => open(i), 100); });
    s.write('GET /page.html HTTP/1.1\r\nHost: bench\r\nX-Slow: ');
    sockets[i] = s;
  };
  for (let i = 0; i < count; ++i) open(i);
  await new Promise((r) => setTimeout(r, 500));
  const timer = setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write('a'); }, 1000);
  return {
    open: () => sockets.filter((s) => !s.destroyed).length,
    stop() { stopped = true; clearInterval(timer); for (const s of sockets) s.destroy(); },
  };
}

async function startNginx(body) {
  const prefix = mkdtempSync(join(tmpdir(), 'clinhub-bench-nginx-'));
  mkdirSync(join(prefix, 'www'));
  mkdirSync(join(prefix, 'tmp'));
  writeFileSync(join(prefix, 'www', 'page.html'), body);
  const port = await freePort();
  // Debian's defaults where they matter (worker per core, access log on), everything in the prefix.
  writeFileSync(join(prefix, 'nginx.conf'), `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/tmp;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  types { text/html html; }
  default_type text/html;
  server {
    listen 127.0.0.1:${port};
    root ${prefix}/www;
  }
}
`);
  const proc = spawn(opts.nginx, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}/page.html`;
  for (let i = 0; ; ++i) {
    try {
      const r = await fetch(url);
      const got = Buffer.from(await r.arrayBuffer());
      if (r.status === 200 && got.length === body.length) break;
    } catch {}
    if (i > 100 || proc.exitCode !== null) {
      const log = existsSync(join(prefix, 'error.log')) ? readFileSync(join(prefix, 'error.log'), 'utf8') : '';
      proc.kill('SIGKILL');
      throw new Error(`nginx did not serve ${url}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGQUIT'); // graceful: workers finish, master exits
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

const files = writeHubFiles({
  seed: { patients: [TEST_PATIENT], templates: FLU_TEMPLATES },
  rules: { flu: FLU_RULE },
  httpThreads: opts['hub-threads'] ? Number(opts['hub-threads']) : undefined,
  store: benchStore(),
  // As a served hub runs: the tests' 20 ms outbox poll is a write transaction 50 times a second, which on
  // PostgreSQL takes its round trips from the pages measured here.
  outbox: '{}',
});
const hub = new Hub(opts.clinhub, files);
let nginx;
try {
  await hub.start();
  await hub.createKey();
  const link = await hub.createLink('flu', TEST_PATIENT);
  const pageUrl = hub.localUrl(link.url);
  const res = await fetch(pageUrl, { redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET /b/<token> answered ${res.status}, not 200: ${body.toString().slice(0, 300)}`);

  nginx = await startNginx(body);
  console.log(`web GET /b/<token>: wrk -t${opts.threads} -c${opts.connections} -d${opts.duration} --latency ` +
    `(after ${opts.warmup} warm-up); page ${body.length} bytes; clinhub http.threads ${opts['hub-threads'] ?? 'default'}; ` +
    `${storeName()} store`);
  const n = await measure('nginx', nginx.url);
  const h = await measure('clinhub', pageUrl);
  const slow = Number(opts.slow);
  const attackN = await slowSockets(nginx.url, slow);
  const na = await measure('nginx under attack', nginx.url);
  const nginxHeld = attackN.open();
  attackN.stop();
  const attackH = await slowSockets(pageUrl, slow);
  const ha = await measure('clinhub under attack', pageUrl);
  const hubHeld = attackH.open();
  attackH.stop();

  const row = (name, r) => `  ${name.padEnd(44)} ${r.rps.toFixed(0).padStart(9)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms`;
  console.log(row('nginx (static, same bytes)', n));
  console.log(row('clinhub GET /b/<token>', h));
  console.log(row(`nginx, ${slow} slow sockets open (${nginxHeld} held)`, na));
  console.log(row(`clinhub, ${slow} slow sockets open (${hubHeld} held)`, ha));
  const ratio = h.rps / n.rps;
  const ratioA = ha.rps / na.rps;
  console.log(`  ratio clinhub/nginx: ${ratio.toFixed(2)}x, under attack ${ratioA.toFixed(2)}x (target >= 0.25x: ` +
    `${ratio >= 0.25 ? 'met' : 'NOT met'}); clinhub p99 ${h.p99.toFixed(2)} ms (target <= 10 ms: ` +
    `${h.p99 <= 10 ? 'met' : 'NOT met'}), under attack ${ha.p99.toFixed(2)} ms`);
  result('web GET /b/<token>: throughput', `${h.rps.toFixed(0)} req/s`, `${n.rps.toFixed(0)} req/s`, times(ratio),
    '>= 0.25x', verdict(ratio >= 0.25));
  result('web GET /b/<token>: p99', `${h.p99.toFixed(2)} ms`, `${n.p99.toFixed(2)} ms`, times(h.p99 / n.p99),
    '<= 10 ms', verdict(h.p99 <= 10));
  result(`web GET /b/<token>, ${slow} slow sockets: throughput`, `${ha.rps.toFixed(0)} req/s`,
    `${na.rps.toFixed(0)} req/s`, times(ratioA), '>= 0.25x', verdict(ratioA >= 0.25));
  result(`web GET /b/<token>, ${slow} slow sockets: p99`, `${ha.p99.toFixed(2)} ms`, `${na.p99.toFixed(2)} ms`,
    times(ha.p99 / na.p99), '<= 100 ms', verdict(ha.p99 <= 100));
} catch (e) {
  console.log(`web GET bench failed: ${e.message}\nhub log (last lines):\n${hub.logTail(20)}`);
  process.exitCode = 1;
} finally {
  if (nginx) await nginx.stop();
  await hub.stop();
  hub.cleanup();
}
