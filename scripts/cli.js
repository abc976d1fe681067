// `npm run import-unread -- <file>` (and other commands): builds dist/ (incremental, usually a second), then runs
// the command in this same process, so Ctrl-C reaches it directly. A Ctrl-C during the build says so.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const tsc = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
const interrupted = () => {
  tsc.kill('SIGTERM');
  process.stderr.write(`\n${process.argv[2] ?? 'im-graphql-gateway'}: interrupted while building; nothing was sent to IM\n`);
  process.exit(130);
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
tsc.once('exit', (code) => {
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  if (code !== 0) {
    process.stderr.write('the build failed: see the errors above\n');
    process.exit(1);
  }
  process.argv = [process.argv[0], join(root, 'dist', 'cli.js'), ...process.argv.slice(2)];
  require(join(root, 'dist', 'cli.js'));
});
