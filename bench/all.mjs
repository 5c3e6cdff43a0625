// npm run bench: the gateway benchmark (bench/run.mjs, load generator pinned to core 1), then the
// SCIM provisioning benchmark (bench/scim.ts). `-- --gateway` or `-- --scim` runs only one;
// `-- --soak` is the gateway's 10-minute RSS check alone. Exits with the first failure's status.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const only = (name) => args.includes(`--${name}`);
const gateway = !only('scim');
const scim = !only('gateway') && !only('soak');
const passOn = args.filter((a) => a !== '--gateway' && a !== '--scim');

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (gateway) run('taskset', ['-c', '1', process.execPath, 'bench/run.mjs', ...passOn]);
if (scim) run('npx', ['tsx', 'bench/scim.ts']);
