import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromObject, parseYaml } from './load.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url));
const ENV = { OKTA_CLIENT_SECRET: 'x', GRAPH_CLIENT_SECRET: 'y', GATEHOUSE_MASTER_KEY: 'z' };

/** The commented-out top-level sections of the example, uncommented as a reader would. */
function uncommented(text: string): string {
  let inBlock = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^# [a-z_]+:$/.test(line)) inBlock = true;
      if (line.trim() === '') inBlock = false;
      return inBlock && line.startsWith('# ') ? line.slice(2) : line;
    })
    .join('\n');
}

describe('examples/gatehouse.yaml', () => {
  const text = readFileSync(EXAMPLE, 'utf8');

  it('loads as shipped, without warnings', () => {
    const { warnings } = fromObject(parseYaml(text, EXAMPLE), EXAMPLE, EXAMPLE, { env: ENV });
    expect(warnings).toEqual([]);
  });

  it('still loads with every optional section uncommented', () => {
    const full = uncommented(text);
    expect(full).toContain('\nsso:\n');
    expect(full).toContain('\ngroup_sync:\n');
    const { config, warnings } = fromObject(parseYaml(full, EXAMPLE), EXAMPLE, EXAMPLE, {
      env: ENV,
    });
    expect(warnings).toEqual([]);
    expect(config.sso.connections.map((c) => c.id)).toEqual(['okta', 'entra']);
    expect(config.groupSync?.scope).toBe('assigned_to_app');
  });
});
