// npm run bench: mock upstream, floor proxy and Gatehouse side by side on this machine.
// Proxies on core 0 (each alone while measured), mock and this load generator on core 1.
// Interleaved rounds; CPU per request from /proc/<pid>/stat; results printed and written to
// docs/benchmarks.md. `npm run bench -- --soak` runs the 10-minute RSS check instead.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { request, saturate, sequential } from './load.mjs';

const SOAK = process.argv.includes('--soak');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 4000);
const LATENCY_N = Number(process.env.BENCH_LATENCY_N ?? 2000);
const CONCURRENCY = 32;
const TICK = 100; // USER_HZ on Linux

const children = [];
function start(cmd, args, env, core) {
  const child = spawn('taskset', ['-c', String(core), cmd, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        try {
          resolve({ child, ...JSON.parse(line) });
        } catch (e) {
          reject(e);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)));
  });
}
const stop = () => {
  for (const c of children) c.kill();
};
process.on('exit', stop);

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const median = (xs) => pct(xs, 50);

// Gatehouse runs from the compiled build, as in production.
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
const mock = await start('node', ['bench/mock-upstream.mjs'], {}, 1);
const upstream = `http://127.0.0.1:${mock.port}`;
const floor = await start('node', ['bench/floor.mjs'], { UPSTREAM: upstream }, 0);
const gh = await start('node', ['bench/gatehouse.mjs'], { UPSTREAM: upstream }, 0);
const targets = {
  direct: { port: mock.port, headers: {} },
  floor: { port: floor.port, pid: floor.child.pid, headers: {} },
  gatehouse: { port: gh.port, pid: gh.child.pid, headers: { authorization: `Bearer ${gh.key}` } },
};
const scenarios = [
  { name: '300 B reply', model: 'r300', stream: false },
  { name: '10 KB reply', model: 'r10k', stream: false },
  { name: '20-chunk stream', model: 's20', stream: true },
  { name: '64-chunk stream', model: 's64', stream: true },
];
const bytes = (t, s) =>
  request(
    '/v1/chat/completions',
    { model: s.model, stream: s.stream, messages: [{ role: 'user', content: 'Say something.' }] },
    t.headers,
  );

// Warm up every path (JIT, pools, caches).
for (const t of Object.values(targets))
  for (const s of scenarios) await sequential(t.port, bytes(t, s), 300);
const rssIdle = rssMb(gh.child.pid);
const rssIdleFloor = rssMb(floor.child.pid);

if (SOAK) {
  const s = scenarios[0];
  const samples = [];
  const end = Date.now() + 10 * 60_000;
  while (Date.now() < end) {
    await saturate(gh.port, bytes(targets.gatehouse, s), 16, 30_000);
    samples.push(rssMb(gh.child.pid));
    console.log(`soak: RSS ${samples[samples.length - 1].toFixed(1)} MB`);
  }
  const first = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  console.log(
    `soak: RSS after 1 min ${first.toFixed(1)} MB, after 10 min ${last.toFixed(1)} MB (${(last - first).toFixed(1)} MB)`,
  );
  stop();
  process.exit(0);
}

const results = {};
for (const s of scenarios) {
  const r = {
    floor: { lat: [], ttfb: [], rps: [], cpu: [] },
    gatehouse: { lat: [], ttfb: [], rps: [], cpu: [] },
    direct: { lat: [], ttfb: [] },
  };
  results[s.name] = r;
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved: direct, floor, gatehouse in every round, so drift on a shared machine hits all.
    for (const name of ['direct', 'floor', 'gatehouse']) {
      const t = targets[name];
      const seq = await sequential(t.port, bytes(t, s), LATENCY_N);
      r[name].lat.push(...seq.map((x) => x.ms));
      r[name].ttfb.push(...seq.map((x) => x.ttfbMs));
      if (name === 'direct') continue;
      const before = cpuTicks(t.pid);
      const started = process.hrtime.bigint();
      const { done, errors } = await saturate(t.port, bytes(t, s), CONCURRENCY, THROUGHPUT_MS);
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      if (errors > 0) throw new Error(`${name}: ${errors} failed requests`);
      r[name].rps.push(done / secs);
      r[name].cpu.push((((cpuTicks(t.pid) - before) / TICK) * 1e6) / done); // µs per request
    }
  }
}
const rssLoaded = rssMb(gh.child.pid);
const rssLoadedFloor = rssMb(floor.child.pid);

const f = (n, d = 2) => n.toFixed(d);
const lines = [];
const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
lines.push(
  '| scenario | CPU/request floor → Gatehouse (µs) | ratio | max RPS floor → Gatehouse | ratio | added p50 floor / Gatehouse (ms) | Gatehouse − floor p50 | added p99 floor / Gatehouse (ms) | Gatehouse − floor p99 | TTFB added over floor (ms, p50) |',
);
lines.push('|---|---|---|---|---|---|---|---|---|---|');
const summary = {};
for (const s of scenarios) {
  const r = results[s.name];
  const cpuF = median(r.floor.cpu);
  const cpuG = median(r.gatehouse.cpu);
  const rpsF = median(r.floor.rps);
  const rpsG = median(r.gatehouse.rps);
  const d50 = median(r.direct.lat);
  const d99 = pct(r.direct.lat, 99);
  const f50 = median(r.floor.lat) - d50;
  const g50 = median(r.gatehouse.lat) - d50;
  const f99 = pct(r.floor.lat, 99) - d99;
  const g99 = pct(r.gatehouse.lat, 99) - d99;
  const ttfb = s.stream ? median(r.gatehouse.ttfb) - median(r.floor.ttfb) : null;
  summary[s.name] = { cpuF, cpuG, rpsF, rpsG, f50, g50, f99, g99, ttfb };
  row(
    s.name,
    `${f(cpuF, 0)} → ${f(cpuG, 0)}`,
    `${f(cpuG / cpuF)}×`,
    `${f(rpsF, 0)} → ${f(rpsG, 0)}`,
    `${f(rpsG / rpsF)}×`,
    `${f(f50, 3)} / ${f(g50, 3)}`,
    f(g50 - f50, 3),
    `${f(f99, 3)} / ${f(g99, 3)}`,
    f(g99 - f99, 3),
    ttfb === null ? '—' : f(ttfb, 3),
  );
}
const table = lines.join('\n');
const rss = `RSS: Gatehouse ${f(rssIdle, 1)} MB idle → ${f(rssLoaded, 1)} MB after the load; floor ${f(rssIdleFloor, 1)} → ${f(rssLoadedFloor, 1)} MB.`;
const method = `${ROUNDS} interleaved rounds per scenario; each round: ${LATENCY_N} sequential requests (concurrency 1) to the mock directly, through the floor and through Gatehouse, then ${THROUGHPUT_MS / 1000} s at concurrency ${CONCURRENCY} through each proxy. Proxies pinned to core 0, mock and load generator to core 1 (\`taskset\`). CPU per request = (utime+stime from /proc/<pid>/stat) / completed requests, median of rounds. Added latency = proxy latency − direct latency at the same percentile. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`;
console.log(table);
console.log(rss);
console.log(JSON.stringify(summary, null, 1));

const docPath = new URL('../docs/benchmarks.md', import.meta.url);
let doc = '';
try {
  doc = readFileSync(docPath, 'utf8');
} catch {
  doc = '# Benchmarks\n\n<!-- bench:start -->\n<!-- bench:end -->\n';
}
const block = `<!-- bench:start -->\nLast run: ${new Date().toISOString()}\n\n${table}\n\n${rss}\n\nMethod: ${method}\n<!-- bench:end -->`;
doc = doc.includes('<!-- bench:start -->')
  ? doc.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block)
  : `${doc}\n${block}\n`;
writeFileSync(docPath, doc);
// The project's formatter owns Markdown layout too (tables are aligned).
execFileSync('npx', ['biome', 'format', '--write', 'docs/benchmarks.md'], { stdio: 'ignore' });
stop();
process.exit(0);
