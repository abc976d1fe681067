// `npm run profile`: a CPU profile of the gateway under the benchmark's overhead load (one mutation per
// request, distinct members, IM answering at once), summarised as the top frames by self time and the
// share of each package. Writes the raw .cpuprofile too (open it in Chrome DevTools or speedscope).
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { SDKAPPID, SECRET, GATEWAY_NODE_FLAGS, load } = require('./harness');

const ROOT = join(__dirname, '..');

function waitForLine(child, test) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find(test);
      if (line !== undefined) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

/** Self time per frame and per package (node_modules/<pkg>, our src, or node itself). */
function summarise(profile) {
  const { nodes, samples, timeDeltas } = profile;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const frames = new Map();
  const packages = new Map();
  let total = 0;
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id);
    total += micros;
    const url = callFrame.url;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/dist/') ? 'gateway (dist/)' : url.startsWith('node:') ? 'node' : callFrame.functionName === '(garbage collector)' ? 'GC' : callFrame.functionName || '(other)');
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const key = `${callFrame.functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}`;
    frames.set(key, (frames.get(key) ?? 0) + micros);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, micros]) => `| ${name} | ${((micros / total) * 100).toFixed(1)} % |`);
  return { frames: top(frames, 25), packages: top(packages, 15) };
}

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-profile-'));
  const im = spawn(process.execPath, [join(__dirname, 'fake-im.js')], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const imUrl = `http://127.0.0.1:${(await waitForLine(im, (l) => /^\d+$/.test(l.trim()))).trim()}`;
  const env = { ...process.env, PORT: '4690', HOST: '127.0.0.1', IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: imUrl, NODE_ENV: 'production', LOG_LEVEL: 'info', IM_RATE_LIMIT_PER_SECOND: '10000', IM_COALESCE_WINDOW_MS: '0' };
  const gateway = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`, join(ROOT, 'dist/main.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForLine(gateway, (l) => l.includes('gateway ready'));
  await load('http://127.0.0.1:4690', { connections: 20, duration: 2, member: (i) => `warm${i}` }); // warm-up
  const result = await load('http://127.0.0.1:4690', { connections: 20, duration: Number(process.env.PROFILE_SECONDS ?? 8), member: (i) => `p${i}` });
  gateway.kill('SIGTERM');
  await new Promise((resolve) => gateway.once('exit', resolve));
  im.kill();
  const file = join(dir, readdirSync(dir).find((name) => name.endsWith('.cpuprofile')));
  const { frames, packages } = summarise(JSON.parse(readFileSync(file, 'utf8')));
  console.log(`${result.requests.total} requests; profile: ${file}\n`);
  console.log('| package | self time |\n|---|---:|');
  console.log(packages.join('\n'));
  console.log('\n| frame | self time |\n|---|---:|');
  console.log(frames.join('\n'));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
