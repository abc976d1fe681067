// Starts bench/counting-im.py (python3) in its own process; resolves once it listens. Shared by the benchmark
// (run.js) and the tests (test/support/process.ts).
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

/** `env`: REPLY_DELAY_MS, LIMIT_PER_SECOND, WINDOW_MS (see counting-im.py). Resolves to `{ child, url }`. */
function startCountingIm(env = {}) {
  const child = spawn('python3', [join(__dirname, 'counting-im.py')], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve({ child, url: `http://127.0.0.1:${chunk.toString().trim()}` }));
    child.once('exit', (code) => reject(new Error(`bench/counting-im.py exited with ${code}`)));
    child.once('error', (error) => reject(new Error(`python3 is needed for bench/counting-im.py: ${error.message}`)));
  });
}

module.exports = { startCountingIm };
