import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('generated client documents (packages/client/src/generated.ts)', () => {
  it('are what `npm run codegen` produces from schema.graphql and operations/ today', () => {
    // codegen's CLI is ESM-only inside; run it as users do. --check exits 1 when the file would change.
    const run = spawnSync(process.execPath, [join(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js'), '--config', 'codegen.yml', '--check'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  });
});
