// Gatehouse as the benchmark runs it: auth by key, model access, budgets, rpm/tpm limits and
// spend accounting all on, logging at info (to /dev/null), SQLite in a temporary file. It runs
// the compiled build (dist/, as `npm start` does), not the TypeScript through a loader.
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../dist/app.js';
import { fromObject } from '../dist/config/load.js';
import { connect } from '../dist/db/connect.js';
import { migrateToLatest } from '../dist/db/migrate.js';

const MASTER = 'sk-bench-master-0123456789abcdef';
const upstream = process.env.UPSTREAM ?? '';
const models = ['r300', 'r10k', 's20', 's64'];
const { config } = fromObject(
  {
    model_list: models.map((m) => ({
      model_name: m,
      litellm_params: {
        model: `openai/${m}`,
        api_base: `${upstream}/v1`,
        api_key: 'sk-upstream',
        input_cost_per_token: 0.000001,
        output_cost_per_token: 0.000002,
      },
    })),
  },
  '(bench)',
  undefined,
  { env: { GATEHOUSE_MASTER_KEY: MASTER, DATABASE_URL: ':memory:' } },
);
// A file, as in production: the spend log table grows on disk, not in this process's RSS.
const db = await connect(`file:${join(mkdtempSync(join(tmpdir(), 'gh-bench-')), 'bench.db')}`);
await migrateToLatest(db);
const gh = await buildApp({
  config,
  db,
  logger: { level: 'info', stream: createWriteStream('/dev/null') },
});
const call = async (url, payload) => {
  const r = await gh.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization: `Bearer ${MASTER}` },
  });
  if (r.statusCode !== 201) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return JSON.parse(r.body);
};
const team = await call('/api/v1/teams', {
  name: 'bench',
  models,
  max_budget: 1e9,
  rpm_limit: 1e9,
  tpm_limit: 1e12,
});
const user = await call('/api/v1/users', {
  email: 'bench@example.com',
  role: 'internal_user',
  max_budget: 1e9,
});
await gh.app.inject({
  method: 'POST',
  url: `/api/v1/teams/${team.id}/members`,
  payload: { user_id: user.id },
  headers: { authorization: `Bearer ${MASTER}` },
});
const key = await call('/api/v1/keys', {
  user_id: user.id,
  team_id: team.id,
  models,
  max_budget: 1e9,
  rpm_limit: 1e9,
  tpm_limit: 1e12,
});
await gh.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: gh.app.server.address().port, key: key.key })}\n`);
// A clean exit on SIGINT, so that --cpu-prof can write its profile.
process.on('SIGINT', () => process.exit(0));
