// `npm run bench`: measures the gateway on loopback and prints markdown tables. Never a timed test.
// Every target runs in its own process (pinned to one core when taskset exists); the load generator
// (autocannon) runs here. CPU time per request comes from /proc, the steadiest figure on a shared machine.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { maxInAnyWindow } = require('./sliding-window');
const { startCountingIm: startCountingImProcess } = require('./counting-im-process');
const { SDKAPPID, SECRET, REQUEST_HEADERS, MUTATION, GATEWAY_NODE_FLAGS, load } = require('./harness');
const { verifyRuns, printVerify } = require('./verify-runs');

const ROOT = join(__dirname, '..');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const children = [];

function start(script, env, readyLine) {
  const command = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', '1', process.execPath, script] : [script];
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => readyLine(l));
      if (line !== undefined) resolve({ child, line });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** The instant upstream for the CPU rows: answers at once, counts nothing (bench/fake-im.js, on the target's core). */
async function startInstantIm() {
  const { child, line } = await start(join(__dirname, 'fake-im.js'), {}, (l) => /^\d+$/.test(l.trim()));
  return { child, url: `http://127.0.0.1:${line.trim()}` };
}

/**
 * IM as its limit counts (bench/counting-im.py: arrival times from the kernel, 60007 above `limitPerSecond` in
 * any 990 ms when given), answering after `delayMs`; not pinned, so the gateway's core is the gateway's.
 */
async function startCountingIm(delayMs, limitPerSecond = 0) {
  const im = await startCountingImProcess({ REPLY_DELAY_MS: String(delayMs), LIMIT_PER_SECOND: String(limitPerSecond) });
  children.push(im.child);
  return im;
}

let nextPort = 4600;
async function startTarget(kind, imUrl, extraEnv = {}) {
  const port = nextPort++;
  const env = { PORT: String(port), HOST: '127.0.0.1', IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: imUrl, NODE_ENV: 'production', LOG_LEVEL: 'error', ...extraEnv };
  const scripts = { gateway: join(ROOT, 'dist/main.js'), 'bare proxy': join(__dirname, 'bare-proxy.js'), 'plain Apollo': join(__dirname, 'plain-apollo.js') };
  const { child } = await start(scripts[kind], env, (l) => l.trim() === 'ready');
  return { child, url: `http://127.0.0.1:${port}` };
}

async function startGateway(imUrl, extraEnv) {
  const port = nextPort++;
  const env = { PORT: String(port), HOST: '127.0.0.1', IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: imUrl, NODE_ENV: 'production', LOG_LEVEL: 'error', ...extraEnv };
  const command = hasTaskset ? 'taskset' : process.execPath;
  const gatewayArgs = [...GATEWAY_NODE_FLAGS, join(ROOT, 'dist/main.js')];
  const args = hasTaskset ? ['-c', '1', process.execPath, ...gatewayArgs] : gatewayArgs;
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url }; // ready: when a balancer would send traffic
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('gateway did not start');
}

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function nodePid(child) {
  // Under taskset the pid is taskset's, which execs node: same pid.
  return child.pid;
}

function peakRssMiB(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

async function fakeStats(imUrl) {
  return (await fetch(`${imUrl}/stats`)).json();
}

/** Machines drift between fast and slow phases: the targets take turns, and each figure is the median of its rounds. */
const OVERHEAD_ROUNDS = 3;

async function overhead() {
  const im = await startInstantIm();
  const kinds = ['bare proxy', 'plain Apollo', 'gateway', 'gateway, tracing on'];
  const samples = Object.fromEntries(kinds.map((kind) => [kind, []]));
  // Tracing on: spans exported over OTLP/HTTP to the same instant fake (it answers anything), every 100 ms.
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: im.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
  for (let round = 0; round < OVERHEAD_ROUNDS; round++) {
    for (const kind of kinds) {
      const target = kind.startsWith('gateway')
        ? await startGateway(im.url, { IM_RATE_LIMIT_PER_SECOND: '10000', IM_COALESCE_WINDOW_MS: '0', ...(kind === 'gateway' ? {} : tracing) })
        : await startTarget(kind, im.url);
      const pid = nodePid(target.child);
      await load(target.url, { connections: 20, duration: 2, member: (i) => `warm${round}-${i}` }); // warm-up (JIT)
      const ticksBefore = cpuTicks(pid);
      const result = await load(target.url, { connections: 20, duration: 6, member: (i) => `member${round}-${i}` });
      const cpuMs = ((cpuTicks(pid) - ticksBefore) * 1000) / TICKS_PER_SECOND;
      samples[kind].push({ rps: result.requests.average, cpuUs: (cpuMs * 1000) / result.requests.total, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, rss: peakRssMiB(pid) });
      target.child.kill('SIGTERM');
    }
  }
  im.child.kill();
  const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  return kinds.map((kind) => {
    const rounds = samples[kind];
    const pick = (key) => median(rounds.map((r) => r[key]));
    return { kind, rps: pick('rps'), cpuUs: pick('cpuUs'), p50: pick('p50'), p99: pick('p99'), errors: rounds.reduce((sum, r) => sum + r.errors, 0), rss: Math.max(...rounds.map((r) => r.rss)), cpuRounds: rounds.map((r) => r.cpuUs) };
  });
}

async function coalescing(imDelayMs) {
  const im = await startCountingIm(imDelayMs);
  const gateway = await startGateway(im.url, {});
  const post = (memberAccount, unreadCount) =>
    fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: REQUEST_HEADERS,
      body: JSON.stringify({ query: MUTATION, variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount, unreadCount } } }),
    }).then((r) => r.json());
  const scenarios = [
    ['1,000 concurrent identical updates', 1, () => post('bob', 5)],
    ['1,000 updates over 100 members', 100, (i) => post(`m${i % 100}`, i)],
    ['1,000 updates for 1,000 distinct members', 1000, (i) => post(`d${i}`, 1)],
  ];
  const rows = [];
  for (const [name, ideal, send] of scenarios) {
    await fetch(`${im.url}/reset`, { method: 'POST' });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => send(i)));
    const failed = results.filter((r) => r.errors).length;
    const { calls, arrivals } = await fakeStats(im.url);
    rows.push({ name, ideal, calls, failed, imDelayMs, spreadMs: ideal === 1000 ? null : Math.round(Math.max(...arrivals) - Math.min(...arrivals)) });
  }
  const rss = peakRssMiB(nodePid(gateway.child));
  gateway.child.kill('SIGTERM');
  im.child.kill();
  return { rows, rss };
}

/** Fresh processes for the cold-start row: each one's first burst arrives the moment /readyz says ready. */
const COLD_STARTS = 3;

/**
 * 200 identical updates at once, IM answering after 50 ms: on {@link COLD_STARTS} processes that have just
 * become ready (the first burst each), then three more bursts on the last one (warm).
 */
async function identicalBurst() {
  const im = await startCountingIm(50);
  const body = JSON.stringify({ query: MUTATION, variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: 'same', unreadCount: 9 } } });
  const burst = async (gateway) => {
    await fetch(`${im.url}/reset`, { method: 'POST' });
    const results = await Promise.all(Array.from({ length: 200 }, () => fetch(`${gateway.url}/graphql`, { method: 'POST', headers: REQUEST_HEADERS, body }).then((r) => r.json())));
    return { calls: (await fakeStats(im.url)).calls, failed: results.filter((r) => r.errors).length };
  };
  const cold = [];
  const warm = [];
  for (let start = 0; start < COLD_STARTS; start++) {
    const gateway = await startGateway(im.url, {});
    cold.push(await burst(gateway));
    if (start === COLD_STARTS - 1) for (let round = 0; round < 3; round++) warm.push(await burst(gateway));
    gateway.child.kill('SIGTERM');
  }
  im.child.kill();
  return { cold, warm };
}

/**
 * Overload at the receiving side: `perSecond` distinct-member updates offered for `seconds` (each its own
 * request) against a fake IM that answers 60007 above 200 set calls in any 990 ms. With `stallMs`, the
 * gateway is stopped (SIGSTOP) that long a second into the run, as a GC pause or a starved container would.
 */
async function cap({ perSecond, seconds, stallMs = 0 }) {
  const im = await startCountingIm(20, 200);
  const gateway = await startGateway(im.url, {});
  const outcomes = { ok: 0, RATE_LIMITED: 0, other: 0 };
  const limitedMs = [];
  const pending = [];
  const ticks = (seconds * 1000) / 10;
  const perTick = perSecond / 100;
  if (stallMs > 0) {
    setTimeout(() => {
      gateway.child.kill('SIGSTOP');
      setTimeout(() => gateway.child.kill('SIGCONT'), stallMs);
    }, 1000);
  }
  for (let tick = 0; tick < ticks; tick++) {
    for (let j = 0; j < perTick; j++) {
      const i = tick * perTick + j;
      const sentAt = performance.now();
      pending.push(
        fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: REQUEST_HEADERS,
          body: JSON.stringify({ query: MUTATION, variables: { input: { groupId: '@TGS#2CLUZEAEJ', memberAccount: `c${i}`, unreadCount: 1 } } }),
        })
          .then((r) => r.json())
          .then((body) => {
            const code = body.errors?.[0]?.extensions?.code;
            if (code === 'RATE_LIMITED') limitedMs.push(performance.now() - sentAt);
            outcomes[code === undefined ? 'ok' : code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'other'] += 1;
          }, () => (outcomes.other += 1)),
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  const stats = await fakeStats(im.url);
  const rss = peakRssMiB(nodePid(gateway.child));
  gateway.child.kill('SIGTERM');
  im.child.kill();
  const okArrivals = stats.setCalls.filter((call) => call.errorCode === 0).map((call) => call.at);
  // Calls that succeeded per second while there was work, the time the gateway was stopped left out.
  const goodput = okArrivals.length / ((Math.max(...okArrivals) - Math.min(...okArrivals) - stallMs) / 1000);
  limitedMs.sort((x, y) => x - y);
  const p99Limited = limitedMs.length === 0 ? null : limitedMs[Math.floor(limitedMs.length * 0.99)];
  return { offered: pending.length, outcomes, imCalls: stats.calls, frequencyErrors: stats.frequencyErrors, maxWindow: maxInAnyWindow(stats.arrivals), goodput, p99Limited, rss };
}

function printOverhead(rows) {
  const [floor, apollo] = rows;
  console.log(`## Overhead: one mutation per request, distinct members, IM answering at once (medians of ${OVERHEAD_ROUNDS} interleaved rounds)\n`);
  console.log('| server | req/s | CPU µs/req (each round) | × bare proxy CPU | × plain Apollo CPU | p50 ms | p99 ms | × plain Apollo p99 | errors | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.kind} | ${r.rps.toFixed(0)} | ${r.cpuUs.toFixed(0)} (${r.cpuRounds.map((us) => us.toFixed(0)).join(', ')}) | ${(r.cpuUs / floor.cpuUs).toFixed(2)} | ${(r.cpuUs / apollo.cpuUs).toFixed(2)} | ${r.p50} | ${r.p99} | ${(r.p99 / apollo.p99).toFixed(2)} | ${r.errors} | ${r.rss.toFixed(0)} |`);
  }
}

function burstLine({ cold, warm }) {
  const failed = [...cold, ...warm].reduce((sum, r) => sum + r.failed, 0);
  return `IM calls: ${cold.map((r) => r.calls).join(', ')} on processes that had just become ready, then ${warm.map((r) => r.calls).join(', ')} warm (ideal 1, target ≤ 2); failed updates: ${failed}.`;
}

/** The p-th percentile (0..1) of numbers, or null when there are none. */
function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/**
 * #22's sustained overload: 400 updates/s for 40 s over 2,000 members (2× the budget; members repeat with new
 * values), IM answering at once. The bound IM_MAX_QUEUE_WAIT_MS must cover the whole wait from arrival to the
 * IM call: OK answers p99 within it + 1 s, RATE_LIMITED answered at once (p99 ≤ 250 ms), peak RSS ≤ 300 MiB.
 */
async function sustainedOverload({ perSecond = 400, seconds = 40, members = 2000 } = {}) {
  const im = await startCountingIm(0, 200);
  const gateway = await startGateway(im.url, {});
  const latency = { ok: [], RATE_LIMITED: [], other: [] };
  const pending = [];
  const perTick = perSecond / 100;
  const sampler = setInterval(async () => {
    if (!process.env.BENCH_TRACE) return;
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const pick = (name) => (Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]) / 1048576).toFixed(0);
    console.error(`rss ${pick('process_resident_memory_bytes')} heapUsed ${pick('nodejs_heap_size_used_bytes')} heapTotal ${pick('nodejs_heap_size_total_bytes')} external ${pick('nodejs_external_memory_bytes')} pending ${text.match(/^im_gateway_coalescer_pending_updates (\S+)/m)?.[1]} queue ${text.match(/^im_gateway_limiter_queue_length (\S+)/m)?.[1]}`);
  }, 10_000);
  let seed = 1; // members drawn at random (a fixed seed: every run offers the same sequence)
  const nextMember = () => (seed = (seed * 48271) % 2147483647) % members;
  for (let tick = 0; tick < seconds * 100; tick++) {
    for (let j = 0; j < perTick; j++) {
      const i = tick * perTick + j;
      const sentAt = performance.now();
      const input = { groupId: '@TGS#2CLUZEAEJ', memberAccount: `m${nextMember()}`, unreadCount: i % 1000 };
      pending.push(
        fetch(`${gateway.url}/graphql`, { method: 'POST', headers: REQUEST_HEADERS, body: JSON.stringify({ query: MUTATION, variables: { input } }) })
          .then((r) => r.json())
          .then(
            (body) => {
              const code = body.errors?.[0]?.extensions?.code;
              latency[code === undefined ? 'ok' : code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'other'].push(performance.now() - sentAt);
            },
            () => latency.other.push(performance.now() - sentAt),
          ),
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  clearInterval(sampler);
  const stats = await fakeStats(im.url);
  const rss = peakRssMiB(nodePid(gateway.child));
  gateway.child.kill('SIGTERM');
  im.child.kill();
  const ms = (value) => (value === null ? '–' : `${Math.round(value)} ms`);
  return {
    offered: pending.length,
    ok: latency.ok.length,
    RATE_LIMITED: latency.RATE_LIMITED.length,
    other: latency.other.length,
    'OK p50 / p99': `${ms(percentile(latency.ok, 0.5))} / ${ms(percentile(latency.ok, 0.99))}`,
    'RATE_LIMITED p50 / p99': `${ms(percentile(latency.RATE_LIMITED, 0.5))} / ${ms(percentile(latency.RATE_LIMITED, 0.99))}`,
    'set calls': stats.setCalls.length,
    'max per 990 ms': maxInAnyWindow(stats.arrivals),
    '60007': stats.frequencyErrors,
    'peak RSS': `${rss.toFixed(0)} MiB`,
  };
}

const READ = 'query Read($groupId: ID!, $memberAccount: ID!) { groupMember(groupId: $groupId, memberAccount: $memberAccount) { unreadCount } }';
const readBody = (groupId, memberAccount) => JSON.stringify({ query: READ, variables: { groupId, memberAccount } });

/** What the counting IM saw of the read commands: calls per command and the most in any 990 ms of one command. */
function readCallsOf(stats) {
  const perCommand = Object.entries(stats.reads).map(([command, arrivals]) => ({ command: command.split('/').pop(), calls: arrivals.length, maxWindow: maxInAnyWindow(arrivals) }));
  return { perCommand, calls: perCommand.reduce((sum, c) => sum + c.calls, 0), frequencyErrors: stats.readFrequencyErrors };
}

/**
 * Reads at IM's limit, against the counting IM (each read command 60007 above 200 in any 990 ms):
 * 2,000 reads over 400 members of one group from 100 concurrent clients (IM answering in 20 ms), and the read
 * throughput at the real 200/s per command (IM answering at once), with IM calls per 1,000 reads and CPU per read.
 */
async function reads() {
  const rows = [];
  {
    const im = await startCountingImProcess({ READ_DELAY_MS: '20', LIMIT_PER_SECOND: '200' });
    children.push(im.child);
    const gateway = await startGateway(im.url, {});
    await Promise.all(Array.from({ length: 50 }, (_, i) => post(gateway.url, readBody('@TGS#WARM', `w${i}`)))); // warm-up
    await fetch(`${im.url}/reset`, { method: 'POST' });
    const latencies = [];
    const codes = { ok: 0, RATE_LIMITED: 0, other: 0 };
    const started = performance.now();
    await Promise.all(Array.from({ length: 100 }, async (_, client) => {
      for (let k = 0; k < 20; k++) {
        const sentAt = performance.now();
        const body = await post(gateway.url, readBody('@TGS#2CLUZEAEJ', `m${(client * 20 + k * 7) % 400}`));
        latencies.push(performance.now() - sentAt);
        const code = body.errors?.[0]?.extensions?.code;
        codes[code === undefined && body.data?.groupMember?.unreadCount === 10 ? 'ok' : code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'other'] += 1;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((x, y) => x - y);
    const seen = readCallsOf(await fakeStats(im.url));
    rows.push({ name: '2,000 reads over 400 members, 100 clients, IM 20 ms', reads: 2000, seconds, ...seen, codes, p99: latencies[Math.floor(latencies.length * 0.99)], cpuUs: null });
    gateway.child.kill('SIGTERM');
    im.child.kill();
  }
  {
    const im = await startCountingImProcess({ READ_DELAY_MS: '0', LIMIT_PER_SECOND: '200' });
    children.push(im.child);
    const gateway = await startGateway(im.url, {});
    const pid = nodePid(gateway.child);
    // 4 groups of 500 members, 200 connections: enough reads waiting that each call carries many.
    const target = (i) => readBody(`@TGS#READ${i % 4}`, `m${(i * 7919) % 500}`);
    await load(gateway.url, { connections: 50, duration: 2, body: target }); // warm-up
    await fetch(`${im.url}/reset`, { method: 'POST' });
    const ticksBefore = cpuTicks(pid);
    const result = await load(gateway.url, { connections: 200, duration: 6, body: target });
    const cpuMs = ((cpuTicks(pid) - ticksBefore) * 1000) / TICKS_PER_SECOND;
    const seen = readCallsOf(await fakeStats(im.url));
    rows.push({ name: 'reads at the real 200/s per command, 4 groups × 500 members, 200 connections, IM at once', reads: result.requests.total, seconds: 6, ...seen, codes: { ok: result.requests.total - result.non2xx, RATE_LIMITED: null, other: result.errors + result.non2xx }, p99: result.latency.p99, cpuUs: (cpuMs * 1000) / result.requests.total });
    gateway.child.kill('SIGTERM');
    im.child.kill();
  }
  return rows;
}

function printReads(rows) {
  console.log('\n## Reads batched across requests (counting IM: each read command 60007 above 200 in any 990 ms)\n');
  console.log('| run | reads | seconds | reads/s | IM read calls (per command) | IM calls per 1,000 reads | most calls of one command in any 990 ms | 60007 | wrong or failed reads | p99 ms | CPU µs/read |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const perCommand = r.perCommand.map((c) => `${c.command} ${c.calls}`).join(', ');
    const failed = `${r.codes.other}${r.codes.RATE_LIMITED ? ` (+${r.codes.RATE_LIMITED} RATE_LIMITED)` : ''}`;
    console.log(`| ${r.name} | ${r.reads} | ${r.seconds.toFixed(1)} | ${(r.reads / r.seconds).toFixed(0)} | ${perCommand} | ${((r.calls * 1000) / r.reads).toFixed(1)} | ${Math.max(0, ...r.perCommand.map((c) => c.maxWindow))} | ${r.frequencyErrors} | ${failed} | ${r.p99.toFixed(0)} | ${r.cpuUs === null ? '–' : r.cpuUs.toFixed(0)} |`);
  }
}

function post(url, body) {
  return fetch(`${url}/graphql`, { method: 'POST', headers: REQUEST_HEADERS, body }).then((r) => r.json());
}

/** Runs a CLI command (`import-unread …`, `verify-unread …`) to completion, sampling its peak RSS from /proc while it runs. */
async function runCli(args, env) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      const rss = peakRssMiB(child.pid);
      if (Number.isFinite(rss)) peak = Math.max(peak, rss);
    } catch {
      // the process has just exited
    }
  }, 50);
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const started = Date.now();
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  return { code, seconds: (Date.now() - started) / 1000, peakRss: peak, out };
}

async function bulkImport() {
  const { mkdtempSync, createWriteStream, statSync } = require('node:fs');
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'bench-import-'));
  const big = join(dir, 'million.csv');
  const stream = createWriteStream(big);
  stream.write('groupId,memberAccount,unreadCount\n');
  for (let i = 0; i < 1_000_000; i++) {
    if (!stream.write(`@TGS#G${i % 5000},member${i},${i % 100}\n`)) await new Promise((r) => stream.once('drain', r));
  }
  await new Promise((r) => stream.end(r));
  const dry = await runCli(['import-unread', big, '--dry-run', '--offline'], { IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: 'http://127.0.0.1:9' });
  const im = await startCountingIm(20);
  const small = join(dir, 'two-thousand.csv');
  require('node:fs').writeFileSync(small, ['groupId,memberAccount,unreadCount', ...Array.from({ length: 2000 }, (_, i) => `@TGS#G${i % 50},m${i},${i % 100}`)].join('\n'));
  const real = await runCli(['import-unread', small], { IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: im.url });
  const stats = await fakeStats(im.url);
  im.child.kill();
  return { dry, fileMiB: statSync(big).size / 2 ** 20, real, imCalls: stats.calls, maxWindow: maxInAnyWindow(stats.arrivals), migration: await migration(dir) };
}

/**
 * A migration where most rows are already at IM: 100,000 rows over 100 groups, 90 % holding IM's value (the
 * counting IM holds 10 unread for every member), at the real 200/s. Its lower bound is the differing rows at
 * the write pace (190/s); the reads (50 members a call) run beside the writes on their own budgets.
 */
async function migration(dir) {
  const file = join(dir, 'mostly-matching.csv');
  const rows = ['groupId,memberAccount,unreadCount'];
  let differing = 0;
  for (let i = 0; i < 100_000; i++) {
    const value = i % 10 === 3 ? 3 : 10;
    if (value !== 10) differing += 1;
    rows.push(`@TGS#MIG${i % 100},m${i},${value}`);
  }
  require('node:fs').writeFileSync(file, rows.join('\n'));
  const im = await startCountingImProcess({ LIMIT_PER_SECOND: '200' });
  children.push(im.child);
  const run = await runCli(['import-unread', file], { IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET, IM_API_BASE_URL: im.url });
  const stats = await fakeStats(im.url);
  im.child.kill();
  const reads = readCallsOf(stats);
  return { rows: 100_000, differing, run, setCalls: stats.calls, setMaxWindow: maxInAnyWindow(stats.arrivals), frequencyErrors: stats.frequencyErrors + stats.readFrequencyErrors, reads, lowerBound: differing / 190 };
}

/** A throwaway redis-server on a free port, or undefined when the machine has none. */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = nextPort++;
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
  return { child, url: `redis://127.0.0.1:${port}` };
}

/** Commands the gateways have sent to Redis so far (their `im_gateway_redis_commands_total`; a script call counts once). */
async function redisCommandsSoFar(gateways) {
  let total = 0;
  for (const g of gateways) total += Number(/^im_gateway_redis_commands_total (\d+)/m.exec(await (await fetch(`${g.url}/metrics`)).text())?.[1] ?? 0);
  return total;
}

/**
 * Latency per update and Redis commands per update: one in-memory gateway, one gateway on Redis, two and three
 * replicas sharing Redis (same total load, distinct members), and three replicas over 50 members, where
 * updates wait for each other's member leases (woken on release, not polling).
 */
async function sharedState() {
  const redis = await startRedis();
  if (redis === undefined) return undefined;
  const im = await startInstantIm();
  const fast = { IM_RATE_LIMIT_PER_SECOND: '10000', IM_COALESCE_WINDOW_MS: '0' };
  const shared = { ...fast, IM_SHARED_STATE: 'redis', REDIS_URL: redis.url };
  const distinct = (p) => (i) => `r${p}m${i}`;
  const rows = [];
  for (const [name, envs, member] of [
    ['1 gateway, in-memory limiter', [fast], distinct],
    ['1 gateway, limiter + member order in Redis', [shared], distinct],
    ['2 replicas sharing Redis', [shared, shared], distinct],
    ['3 replicas sharing Redis', [shared, shared, shared], distinct],
    ['3 replicas sharing Redis, 50 members (leases contended)', [shared, shared, shared], () => (i) => `hot${i % 50}`],
  ]) {
    const gateways = [];
    for (const env of envs) gateways.push(await startGateway(im.url, env));
    for (const g of gateways) await load(g.url, { connections: 4, duration: 2, member: (i) => `warm${i}` });
    const commandsBefore = await redisCommandsSoFar(gateways);
    let prefix = 0;
    const results = await Promise.all(gateways.map((g) => load(g.url, { connections: Math.max(1, Math.round(10 / gateways.length)), duration: 6, member: member(prefix++) })));
    const requests = results.reduce((sum, r) => sum + r.requests.total, 0);
    const meanMs = results.reduce((sum, r) => sum + r.latency.mean * r.requests.total, 0) / requests;
    const commandsPerUpdate = ((await redisCommandsSoFar(gateways)) - commandsBefore) / requests;
    rows.push({ name, rps: requests / 6, meanMs, p99: Math.max(...results.map((r) => r.latency.p99)), errors: results.reduce((sum, r) => sum + r.errors + r.non2xx, 0), commandsPerUpdate });
    for (const g of gateways) g.child.kill('SIGTERM');
  }
  im.child.kill();
  redis.child.kill();
  return rows;
}

(async () => {
  console.log(`# im-graphql-gateway benchmark\n\nNode ${process.version}, ${require('node:os').cpus().length} cores, targets ${hasTaskset ? 'pinned to core 1 with taskset' : 'not pinned (no taskset)'}; load generator: autocannon in the harness process.\n`);
  // BENCH_ONLY=reads runs one section (while working on it); the README's tables come from a whole run.
  if (process.env.BENCH_ONLY === 'reads') return printReads(await reads());
  if (process.env.BENCH_ONLY === 'shared') return console.table(await sharedState());
  if (process.env.BENCH_ONLY === 'overhead') return printOverhead(await overhead());
  if (process.env.BENCH_ONLY === 'cold') return console.log(burstLine(await identicalBurst()));
  if (process.env.BENCH_ONLY === 'overload') return console.table([await sustainedOverload({ seconds: Number(process.env.BENCH_SECONDS ?? 40) })]);
  const verifyDeps = () => ({ runCli, fakeStats, readCallsOf, startIm: async (env) => { const im = await startCountingImProcess(env); children.push(im.child); return im; }, env: { IM_SDKAPPID: SDKAPPID, IM_SECRET_KEY: SECRET } });
  if (process.env.BENCH_ONLY === 'verify') return printVerify(await verifyRuns(verifyDeps()));
  if (process.env.BENCH_ONLY === 'migration') {
    const m = await migration(require('node:fs').mkdtempSync(join(require('node:os').tmpdir(), 'bench-migration-')));
    return console.log(JSON.stringify({ ...m, run: { ...m.run, out: m.run.out.slice(-600) } }, null, 1));
  }
  const rows = await overhead();
  printOverhead(rows);
  const fast = await coalescing(20);
  const slow = await coalescing(500);
  console.log('\n## Coalescing: 1,000 updates sent at once (default 5 ms window, limit 200/s)\n');
  console.log('| scenario | IM reply time | IM calls | ideal | arrival spread of IM calls, ms | failed updates |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of [...fast.rows, ...slow.rows]) console.log(`| ${r.name} | ${r.imDelayMs} ms | ${r.calls} | ${r.ideal} | ${r.spreadMs ?? '–'} | ${r.failed} |`);
  const burst = await identicalBurst();
  console.log('\n## 200 identical updates at once, IM answering after 50 ms\n');
  console.log(burstLine(burst));
  const runs = [
    ['5.5× overload: 1,100/s for 4 s', await cap({ perSecond: 1100, seconds: 4 })],
    ['5.5× overload, gateway stopped 700 ms (SIGSTOP) at 1 s', await cap({ perSecond: 1100, seconds: 4, stallMs: 700 })],
    ['2× overload: 400/s for 60 s', await cap({ perSecond: 400, seconds: 60 })],
  ];
  console.log('\n## The cap at the receiving side (fake IM in its own process: 60007 above 200 set calls in any 990 ms; IM answering after 20 ms)\n');
  console.log('| run | updates offered | applied | RATE_LIMITED (p99 answer ms) | other errors | IM calls | 60007 at IM | most IM calls in any 990 ms | goodput calls/s (a stall left out) | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, k] of runs) {
    console.log(`| ${name} | ${k.offered} | ${k.outcomes.ok} | ${k.outcomes.RATE_LIMITED} (${k.p99Limited === null ? '–' : k.p99Limited.toFixed(0)}) | ${k.outcomes.other} | ${k.imCalls} | ${k.frequencyErrors} | ${k.maxWindow} | ${k.goodput.toFixed(0)} | ${k.rss.toFixed(0)} |`);
  }
  const sustained = await sustainedOverload();
  console.log('\n## Sustained 2× overload over repeating members (400 updates/s for 40 s, 2,000 random members, IM answering at once; IM_MAX_QUEUE_WAIT_MS 10 s)\n');
  console.log(`| ${Object.keys(sustained).join(' | ')} |\n|${Object.keys(sustained).map(() => '---:').join('|')}|\n| ${Object.values(sustained).join(' | ')} |`);
  printReads(await reads());
  const sharedRows = await sharedState();
  console.log('\n## Shared state: what Redis adds per update (IM answering at once, 10 connections in all, limiter not binding)\n');
  if (sharedRows === undefined) {
    console.log('No redis-server on this machine: this table needs one (`apt-get install redis-server`).');
  } else {
    console.log('| setup | req/s | mean latency ms | × in-memory latency | p99 ms | errors | Redis commands per update |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of sharedRows) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.meanMs.toFixed(2)} | ${(r.meanMs / sharedRows[0].meanMs).toFixed(2)} | ${r.p99} | ${r.errors} | ${r.commandsPerUpdate.toFixed(1)} |`);
  }
  const imp = await bulkImport();
  console.log('\n## Bulk import (import-unread)\n');
  console.log('| run | rows | exit | seconds | rows/s | peak RSS MiB | IM set calls | most in any 990 ms window |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| --dry-run, ${imp.fileMiB.toFixed(0)} MiB CSV | 1,000,000 | ${imp.dry.code} | ${imp.dry.seconds.toFixed(1)} | ${(1_000_000 / imp.dry.seconds).toFixed(0)} | ${imp.dry.peakRss.toFixed(0)} | 0 | – |`);
  console.log(`| real, IM 20 ms, limit 200/s | 2,000 | ${imp.real.code} | ${imp.real.seconds.toFixed(1)} | ${(2000 / imp.real.seconds).toFixed(0)} | ${imp.real.peakRss.toFixed(0)} | ${imp.imCalls} | ${imp.maxWindow} |`);
  const m = imp.migration;
  console.log('\n## Migration where 90 % of rows already hold IM\'s value (100,000 rows, 100 groups, counting IM at the real 200/s)\n');
  console.log('| rows | differing | exit | seconds | lower bound (differing / 190 s) | × lower bound | set calls | most set calls in any 990 ms | read calls (per command) | most of one read command in any 990 ms | 60007 | peak RSS MiB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|');
  console.log(`| ${m.rows} | ${m.differing} | ${m.run.code} | ${m.run.seconds.toFixed(1)} | ${m.lowerBound.toFixed(1)} | ${(m.run.seconds / m.lowerBound).toFixed(2)} | ${m.setCalls} | ${m.setMaxWindow} | ${m.reads.perCommand.map((c) => `${c.command} ${c.calls}`).join(', ')} | ${Math.max(0, ...m.reads.perCommand.map((c) => c.maxWindow))} | ${m.frequencyErrors} | ${m.run.peakRss.toFixed(0)} |`);
  printVerify(await verifyRuns(verifyDeps()));
  console.log(`\nPeak RSS of the gateway process: ${Math.max(fast.rss, slow.rss, ...runs.map(([, r]) => r.rss), rows[2].rss).toFixed(0)} MiB (overhead run ${rows[2].rss.toFixed(0)}, coalescing runs ${fast.rss.toFixed(0)} / ${slow.rss.toFixed(0)}, overload runs ${runs.map(([, r]) => r.rss.toFixed(0)).join(' / ')}).`);
})()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGKILL');
  });
