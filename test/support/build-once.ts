import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup: compiles the server once per test run into `test-output/cli-dist`, so the
 * tests that run the real command line start plain JavaScript (a second or two) instead of
 * transpiling the whole tree in every child, and always run the sources as they are now.
 */
export const CLI_DIST = fileURLToPath(new URL('../../test-output/cli-dist/', import.meta.url));

export default function setup(): void {
  // The package exports no `bin/` path; its package.json is exported and `bin/tsc` sits beside it.
  const tsc = join(
    dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
    'bin',
    'tsc',
  );
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', CLI_DIST, '--sourceMap', 'false'],
    { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' },
  );
}
