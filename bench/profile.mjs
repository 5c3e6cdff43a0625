// CPU profile of Gatehouse under load: `node bench/profile.mjs [model] [seconds]` starts the
// mock upstream and Gatehouse (with --cpu-prof), saturates it at concurrency 32 and prints
// the self time by area. Used for the profile table in docs/benchmarks.md.
import { spawn } from 'node:child_process';
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

const mock = await start(['bench/mock-upstream.mjs'], {});
const gh = await start(
  ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'bench/gatehouse.ts'],
  {
    UPSTREAM: `http://127.0.0.1:${mock.port}`,
  },
);
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
const self = new Map();
const dt = prof.timeDeltas;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  counts.set(prof.samples[i], (counts.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const area = (n) => {
  const u = n.callFrame.url;
  const f = n.callFrame.functionName;
  if (f === '(garbage collector)') return 'GC';
  if (f === '(idle)' || f === '(program)') return f;
  if (u.includes('node_modules/undici')) return 'undici';
  if (
    u.includes('node_modules/fastify') ||
    u.includes('node_modules/find-my-way') ||
    u.includes('node_modules/avvio')
  )
    return 'fastify';
  if (u.includes('node_modules/pino') || u.includes('sonic-boom') || u.includes('fast-redact'))
    return 'pino';
  if (u.includes('node_modules/prom-client')) return 'prom-client';
  if (u.includes('node_modules/kysely') || u.includes('better-sqlite3')) return 'spend db';
  if (u.includes('node_modules/tsx')) return 'tsx';
  if (u.includes('/src/')) return `gatehouse ${u.slice(u.indexOf('/src/') + 5)}`;
  if (u.startsWith('node:') || u === '') return `node core${f ? '' : ''}`;
  return u.replace(/.*node_modules\//, '');
};
let total = 0;
for (const [id, t] of counts) {
  const n = byId.get(id);
  const a = area(n);
  if (a === '(idle)') continue;
  total += t;
  self.set(a, (self.get(a) ?? 0) + t);
}
console.log(
  `${done.done} requests (${done.errors} errors) in ${seconds} s; profile ${join(dir, file)}`,
);
for (const [a, t] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${a}`);
}
