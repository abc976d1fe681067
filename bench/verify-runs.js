// The verify-unread rows of `npm run bench`: memory with 5,000,000 distinct members, and reading a group by
// pages (200 a call) against naming its members (50 a call) at IM's real 200 calls/s.
'use strict';
const { createWriteStream, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** Members per group at the counting IM (m0 … m4999 in every group; each holds 10 unread). */
const GROUP_MEMBERS = 5000;
/** The value every row asks for: what the counting IM holds, so every row matches. */
const HELD = 10;

/** `groups` groups, the first `named` members of each, one row each, group after group. */
async function writeFile(path, groups, named) {
  const stream = createWriteStream(path);
  stream.write('groupId,memberAccount,unreadCount\n');
  for (let g = 0; g < groups; g++) {
    let chunk = '';
    for (let m = 0; m < named; m++) chunk += `@TGS#V${g},m${m},${HELD}\n`;
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  await new Promise((resolve) => stream.end(resolve));
}

/**
 * `deps`: runCli (spawns the built CLI, samples peak RSS), startIm (the counting IM with env), fakeStats,
 * readCallsOf (from run.js), env (the app's credentials).
 */
async function verifyRuns({ runCli, startIm, fakeStats, readCallsOf, env }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-verify-'));
  const rows = [];
  const run = async (name, file, members, strategy, limit) => {
    const im = await startIm({ GROUP_MEMBERS: String(GROUP_MEMBERS), LIMIT_PER_SECOND: String(limit) });
    const gatewayRate = limit === 0 ? '10000' : String(limit);
    const result = await runCli(['verify-unread', file, '--read-by', strategy], { ...env, IM_API_BASE_URL: im.url, IM_RATE_LIMIT_PER_SECOND: gatewayRate, TMPDIR: dir });
    const reads = readCallsOf(await fakeStats(im.url));
    im.child.kill();
    const matching = Number(/matching: +(\d+)/.exec(result.out)?.[1] ?? NaN);
    rows.push({ name, members, strategy, limit, code: result.code, matching, seconds: result.seconds, peakRss: result.peakRss, reads });
  };
  try {
    const huge = join(dir, 'five-million.csv');
    await writeFile(huge, 1000, GROUP_MEMBERS);
    await run('5,000,000 distinct members, 1,000 whole groups; IM at once, limit raised', huge, 5_000_000, 'auto', 0);
    const dense = join(dir, 'whole-groups.csv');
    await writeFile(dense, 20, GROUP_MEMBERS);
    await run('100,000 members, 20 whole groups of 5,000', dense, 100_000, 'auto', 200);
    await run('the same, by name', dense, 100_000, 'members', 200);
    const sparse = join(dir, 'tenth-of-groups.csv');
    await writeFile(sparse, 200, GROUP_MEMBERS / 10);
    await run('100,000 members, 500 of each of 200 groups of 5,000', sparse, 100_000, 'auto', 200);
    await run('the same, by pages', sparse, 100_000, 'pages', 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function printVerify(rows) {
  console.log('\n## verify-unread: memory whatever the file’s size, and pages against names (counting IM, every group 5,000 members)\n');
  console.log('| run | members | --read-by | IM limit /s | exit | matching | seconds | IM read calls (per command) | most of one command in any 990 ms | 60007 | peak RSS MiB |');
  console.log('|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|');
  for (const r of rows) {
    const perCommand = r.reads.perCommand.map((c) => `${c.command} ${c.calls}`).join(', ');
    console.log(`| ${r.name} | ${r.members} | ${r.strategy} | ${r.limit === 0 ? 'none' : r.limit} | ${r.code} | ${r.matching} | ${r.seconds.toFixed(1)} | ${perCommand} | ${Math.max(0, ...r.reads.perCommand.map((c) => c.maxWindow))} | ${r.reads.frequencyErrors} | ${r.peakRss.toFixed(0)} |`);
  }
}

module.exports = { verifyRuns, printVerify };
