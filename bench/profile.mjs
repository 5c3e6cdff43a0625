// CPU profile of Gatehouse under load: `node bench/profile.mjs [model] [seconds]` starts the
// mock upstream and Gatehouse (with --cpu-prof), saturates it at concurrency 32 and prints
// the self time by area. Used for the profile table in docs/benchmarks.md.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, saturate, sequential } from './load.mjs';

const model = process.argv[2] ?? 'r300';
const seconds = Number(process.argv[3] ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'gh-prof-'));

function start(args, env) {
  const child = spawn('node', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, ...JSON.parse(out.split('\n')[0]) });
    });
  });
}

execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
const mock = await start(['bench/mock-upstream.mjs'], {});
const gh = await start(['--cpu-prof', '--cpu-prof-dir', dir, 'bench/gatehouse.mjs'], {
  UPSTREAM: `http://127.0.0.1:${mock.port}`,
});
const bytes = request(
  '/v1/chat/completions',
  { model, stream: model.startsWith('s'), messages: [{ role: 'user', content: 'Say something.' }] },
  { authorization: `Bearer ${gh.key}` },
);
await sequential(gh.port, bytes, 500);
const done = await saturate(gh.port, bytes, 32, seconds * 1000);
gh.child.kill('SIGINT');
await new Promise((r) => gh.child.once('exit', r));
mock.child.kill();

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const isCore = (u) => u.startsWith('node:') || u === '';
/** Where a frame's code lives. */
const areaOf = (n) => {
  const u = n.callFrame.url;
  const f = n.callFrame.functionName;
  if (f === '(garbage collector)') return 'garbage collection';
  if (f === '(idle)' || f === '(program)') return f;
  if (u.includes('node_modules/undici')) return 'undici (the upstream request)';
  if (/node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify)/.test(u))
    return 'Fastify';
  if (/node_modules\/(pino|sonic-boom|fast-redact|@pinojs)/.test(u)) return 'the log line (pino)';
  if (u.includes('node_modules/prom-client')) return 'prom-client';
  if (u.includes('node_modules/kysely') || u.includes('node_modules/better-sqlite3'))
    return 'the spend writer (SQLite)';
  if (/\/(src|dist)\/gateway\/spend\//.test(u)) return 'the spend writer (SQLite)';
  if (/\/(src|dist)\//.test(u)) return "Gatehouse's own code";
  if (u.includes('secure-json-parse')) return "Gatehouse's own code";
  if (isCore(u)) return null;
  return 'other libraries';
};
// Node core frames count for the library that called them (undici's socket writes are
// undici's); called from Gatehouse, the HTTP server or a callback, they are Node core.
const area = (n) => {
  const own = areaOf(n);
  if (own !== null) return own;
  for (let p = byId.get(parent.get(n.id)); p; p = byId.get(parent.get(p.id))) {
    const a = areaOf(p);
    if (a === null) continue;
    if (
      a === 'undici (the upstream request)' ||
      a === 'the spend writer (SQLite)' ||
      a === 'the log line (pino)'
    )
      return a;
    break;
  }
  return 'Node core: HTTP parsing and writing, sockets, crypto';
};
// Only the load: the last `seconds` of the profile (start-up and warm-up excluded).
const self = new Map();
let total = 0;
let window = seconds * 1e6;
for (let i = prof.samples.length - 1; i >= 0 && window > 0; i--) {
  const dt = prof.timeDeltas[i] ?? 0;
  window -= dt;
  const a = area(byId.get(prof.samples[i]));
  if (a === '(idle)') continue;
  total += dt;
  self.set(a, (self.get(a) ?? 0) + dt);
}
console.log(
  `${done.done} requests (${done.errors} errors) in ${seconds} s; profile ${join(dir, file)}`,
);
for (const [a, t] of [...self].sort((x, y) => y[1] - x[1])) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${a}`);
}
