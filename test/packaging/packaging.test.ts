import { onCleanup } from '../support/cleanup';
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../support/wait';
import { FakeIm, OK_REPLY } from '../support/fake-im';
import { postGraphQL, SET_UNREAD } from '../support/gateway';
import { acceptedUpdates, runTs, startGatewayProcess } from '../support/process';
import { adminAuthorization, TEST_SDKAPPID, TEST_SECRET_KEY } from '../support/test-app';
import { ImCommand } from '../../src/tencent/commands';

const GROUP = '@TGS#2CLUZEAEJ';

const ROOT = join(__dirname, '..', '..');
/** The environment a user's shell would have: no Tencent credentials, so the gateway serves its simulator. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('IM_') || name.startsWith('npm_') || name === 'AUTH_MODE') delete env[name];
  return { ...env, ...extra };
}

/** `npm <args>` in the project as a user's shell runs it; its JSON log lines found by message. */
function npmStart(args: string[], env: Record<string, string>, options: { detached?: boolean } = {}) {
  const npm = spawn('npm', args, { cwd: ROOT, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  let out = '';
  npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  npm.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128))));
  const logLines = (msg: string): Array<Record<string, any>> =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((line) => line.msg === msg);
  onCleanup(() => npm.kill('SIGKILL'));
  return { npm, exited, logLines, logLine: (msg: string) => logLines(msg)[0] };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


// Both build dist/ (prestart, prepare): one file, so they run one after the other.
describe('the documented ways to run and use the package', () => {
  it('`npm start` hands SIGTERM to the gateway, which drains and exits: nothing is left running', async () => {
    const started = npmStart(['start'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const { npm, logLine } = started;
    await until(() => logLine('gateway ready') !== undefined || npm.exitCode !== null, 'the gateway to start', 120_000);
    const ready = logLine('gateway ready');
    expect(ready).toBeDefined();
    const gatewayPid: number = ready.pid;
    onCleanup(() => isAlive(gatewayPid) && process.kill(gatewayPid, 'SIGKILL'));
    expect(gatewayPid).not.toBe(npm.pid);
    expect((await fetch(ready.url.replace('localhost', '127.0.0.1').replace('/graphql', '/healthz'))).status).toBe(200);

    npm.kill('SIGTERM'); // as a container runtime does: to npm's own process only
    expect(await started.exited).not.toBeNull();
    await until(() => !isAlive(gatewayPid), 'the gateway process to end', 30_000);
    expect(logLine('shutting down: finishing accepted updates')).toBeDefined();
    expect(logLine('stopped')).toMatchObject({ unanswered: 0 });
  }, 180_000);

  // Ctrl-C in a terminal and systemd's default KillMode signal the whole group: node gets the signal from the
  // group and again from npm. Five runs of each, 300 updates in flight each time (dist/ is built by the test above).
  it.each(['SIGINT', 'SIGTERM'] as const)('%s to the whole `npm start` process group drains: every caller answered, every OK at IM (5 runs)', async (signal) => {
    for (let run = 0; run < 5; run++) {
      const fake = new FakeIm(() => ({ json: OK_REPLY, delayMs: 100 }));
      const imUrl = await fake.start();
      onCleanup(() => fake.close());
      // 150 calls/s: the 300 accepted updates take 2 s to send, so the signal lands with most still queued.
      const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', IM_SDKAPPID: String(TEST_SDKAPPID), IM_SECRET_KEY: TEST_SECRET_KEY, IM_API_BASE_URL: imUrl, IM_RATE_LIMIT_PER_SECOND: '150', IM_MAX_QUEUE_WAIT_MS: '20000' };
      const { npm, logLine, logLines, exited } = npmStart(['start', '--ignore-scripts'], env, { detached: true });
      await until(() => logLine('gateway ready') !== undefined || npm.exitCode !== null, 'the gateway to start', 60_000);
      const ready = logLine('gateway ready');
      const gatewayPid: number = ready.pid;
      onCleanup(() => isAlive(gatewayPid) && process.kill(gatewayPid, 'SIGKILL'));
      const url = ready.url.replace('localhost', '127.0.0.1');
      const burst = Array.from({ length: 300 }, (_, i) => postGraphQL(url, SET_UNREAD, { input: { groupId: GROUP, memberAccount: `m${i}`, unreadCount: i + run } }, adminAuthorization()));
      await until(async () => (await acceptedUpdates(new URL(url).origin)) >= 300, 'all 300 updates accepted');
      const sentBeforeSignal = fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).length;

      process.kill(-npm.pid!, signal); // the whole group, as a terminal or systemd does
      const responses = await Promise.all(burst);
      expect(await exited).not.toBeNull();
      await until(() => !isAlive(gatewayPid), 'the gateway process to end', 30_000);

      expect(sentBeforeSignal).toBeLessThan(300); // the signal came with updates still queued
      const atIm = new Map(fake.requestsFor(ImCommand.SET_UNREAD_MSG_NUM).map((request) => [request.body.Member_Account, request.body.UnreadMsgNum]));
      responses.forEach((response, i) => {
        expect(response.body.errors).toBeUndefined();
        expect(response.status).toBe(200);
        expect(response.body.data.setGroupMemberUnreadCount.unreadCount).toBe(i + run);
        expect(atIm.get(`m${i}`)).toBe(i + run);
      });
      expect(logLines('shutting down: finishing accepted updates')).toHaveLength(1);
      expect(logLine('stopped')).toMatchObject({ unanswered: 0 });
    }
  }, 240_000);

  it('the packed package can be required and imported in a fresh project, reflect-metadata and all, and its bin serves', async () => {
    const work = mkdtempSync(join(tmpdir(), 'packed-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, env: userEnv(), stdio: 'pipe' });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const project = join(work, 'app');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball!)], { cwd: project, env: userEnv(), stdio: 'pipe' });

    // Nothing loads reflect-metadata before the package: it must do so itself.
    const script = `
      const sig = gateway.signUserSig({ sdkAppId: 1400000000, secretKey: 'k', identifier: 'bob', expireSeconds: 60 });
      const claims = gateway.verifyUserSig(sig, { sdkAppId: 1400000000, secretKey: 'k' });
      const simulator = new gateway.ImSimulator();
      const started = await gateway.startGateway(gateway.loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), gateway.createLogger({ level: 'silent' }));
      const reply = await fetch(started.url + '/graphql', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ imGateway { simulator } }' }),
      }).then((response) => response.json());
      await started.stop();
      console.log(JSON.stringify({ account: claims.identifier, simulator: typeof simulator.start, status: reply.data.imGateway.simulator }));`;
    const required = execFileSync('node', ['-e', `(async () => { const gateway = require('im-graphql-gateway'); ${script} })()`], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(required.trim().split('\n').pop()!)).toEqual({ account: 'bob', simulator: 'function', status: true });
    const imported = execFileSync('node', ['--input-type=module', '-e', `import * as gateway from 'im-graphql-gateway'; ${script}`], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(imported.trim().split('\n').pop()!)).toEqual({ account: 'bob', simulator: 'function', status: true });

    // `im-graphql-gateway serve` from the installed bin: SIGTERM to that process drains and exits 0.
    const serve = spawn(join(project, 'node_modules', '.bin', 'im-graphql-gateway'), ['serve'], { cwd: project, env: userEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => serve.kill('SIGKILL'));
    let out = '';
    serve.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
    await until(() => out.includes('"gateway ready"') || serve.exitCode !== null, 'serve to start', 120_000);
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  }, 240_000);

  it('the frontend package installs alone beside graphql: no server code, types under old and new module resolution', () => {
    const work = mkdtempSync(join(tmpdir(), 'client-pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: join(ROOT, 'packages', 'client'), env: userEnv(), stdio: 'pipe' });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!;
    const project = join(work, 'app');
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', 'graphql@16', join(work, tarball)], { cwd: project, env: userEnv(), stdio: 'pipe' });
    // graphql, the client, and its one types-only dependency: nothing of the server.
    const installed = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: project, encoding: 'utf8' }).trim().split('\n').slice(1).map((path) => path.slice(path.lastIndexOf('node_modules/') + 13)).sort();
    expect(installed).toEqual(['@graphql-typed-document-node/core', 'graphql', 'im-graphql-gateway-client']);

    const used = `const { SetGroupMemberUnreadCountDocument, gatewayErrorCode } = require('im-graphql-gateway-client');
      console.log(SetGroupMemberUnreadCountDocument.definitions[0].name.value, gatewayErrorCode({ errors: [{ extensions: { code: 'RATE_LIMITED' } }] }));`;
    expect(execFileSync('node', ['-e', used], { cwd: project, encoding: 'utf8' }).trim()).toBe('SetGroupMemberUnreadCount RATE_LIMITED');
    writeFileSync(
      join(project, 'app.ts'),
      `import { SetGroupMemberUnreadCountDocument, gatewayErrorCode, type GatewayErrorCode, type SetGroupMemberUnreadCountMutationVariables } from 'im-graphql-gateway-client';
      const variables: SetGroupMemberUnreadCountMutationVariables = { input: { groupId: 'g', memberAccount: 'bob', unreadCount: 1 } };
      const code: GatewayErrorCode | undefined = gatewayErrorCode(new Error('x'));
      export const used = [SetGroupMemberUnreadCountDocument, variables, code];\n`,
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of [['--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '5.0'], ['--module', 'nodenext', '--moduleResolution', 'nodenext']]) {
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', ...resolution, 'app.ts'], { cwd: project, encoding: 'utf8' });
    }

    // The other way docs/api.md gives: straight from a clone's folder. No script of the package runs in the
    // user's install (it ships its built dist/), and its dependency comes with it: nothing missing or unmet.
    const clientScripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'packages', 'client', 'package.json'), 'utf8')).scripts ?? {});
    expect(clientScripts.filter((script) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(script))).toEqual([]);
    const fromFolder = join(work, 'app-from-folder');
    execFileSync('mkdir', [fromFolder]);
    writeFileSync(join(fromFolder, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const install = spawnSync('npm', ['install', '--install-links', '--prefer-offline', '--no-audit', '--no-fund', 'graphql@16', join(ROOT, 'packages', 'client')], { cwd: fromFolder, env: userEnv(), encoding: 'utf8' });
    expect(install.status).toBe(0);
    expect(install.stdout + install.stderr).not.toMatch(/UNMET|> tsc|prepare/);
    // (npm ls calls a folder installed as a copy "invalid" against its file: spec: npm's quirk, not a missing package.)
    const tree = spawnSync('npm', ['ls', '--all'], { cwd: fromFolder, env: userEnv(), encoding: 'utf8' }).stdout;
    expect(tree).not.toMatch(/UNMET|missing/);
    expect(tree).toContain('@graphql-typed-document-node/core@');
    expect(execFileSync('node', ['-e', used], { cwd: fromFolder, encoding: 'utf8' }).trim()).toBe('SetGroupMemberUnreadCount RATE_LIMITED');
  }, 240_000);

  it('`npm run simulator` stopped with SIGTERM leaves nothing running (the script execs the simulator)', async () => {
    const started = npmStart(['run', 'simulator'], { SIMULATOR_PORT: '0' });
    let out = '';
    started.npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    await until(() => out.includes('IM simulator listening on') || started.npm.exitCode !== null, 'the simulator to start', 120_000);
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(started.npm.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    expect(children).toHaveLength(1); // the simulator itself, not a shell around it
    const [simulatorPid] = children;
    expect(spawnSync('ps', ['-o', 'args=', '-p', String(simulatorPid)], { encoding: 'utf8' }).stdout).toContain('dist/simulator/main.js');
    onCleanup(() => isAlive(simulatorPid) && process.kill(simulatorPid, 'SIGKILL'));
    started.npm.kill('SIGTERM');
    expect(await started.exited).not.toBeNull();
    await until(() => !isAlive(simulatorPid), 'the simulator process to end', 30_000);
  }, 180_000);

  it('`npm run import-unread` interrupted during its build says so and exits 130', async () => {
    const run = spawn(process.execPath, [join(ROOT, 'scripts', 'cli.js'), 'import-unread', 'never-read.csv', '--dry-run'], { cwd: ROOT, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => run.kill('SIGKILL'));
    let err = '';
    run.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    // Once the build (tsc) is running as its child, Ctrl-C.
    await until(() => spawnSync('ps', ['-o', 'args=', '--ppid', String(run.pid)], { encoding: 'utf8' }).stdout.includes('tsc') || run.exitCode !== null, 'the build to start', 120_000);
    run.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toContain('interrupted while building; nothing was sent to IM');
  }, 60_000);
});

// The README runs `npm run cli` (a build of dist/): in this file, so no other build runs meanwhile.
/** Where the README's commands expect the gateway. The test's gateways listen on free ports: the blocks are pointed there. */
const README_GATEWAY = 'localhost:4000';

/** The README's shell blocks marked `<!-- readme-test: <setup> -->`, as a person would paste them. */
function markedBlocks(): Array<{ setup: string; script: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/<!-- readme-test: (\S+) -->\n```sh\n([\s\S]*?)```/g)].map((match) => ({ setup: match[1], script: match[2] }));
}

/** Runs a block in bash, in the clone, with the user's PATH and nothing of the test's IM variables. */
async function paste(script: string, gatewayOrigin: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script.replaceAll(README_GATEWAY, gatewayOrigin.replace('http://', ''))], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return stdout;
}

describe('the README’s quick-start commands work as pasted (they must not drift again)', () => {
  it('has the marked blocks: four on the built-in simulator, one with UserSigs against the standalone one', () => {
    expect(markedBlocks().map((block) => block.setup)).toEqual(['built-in', 'built-in', 'standalone', 'built-in', 'built-in']);
  });

  it('runs the single and the batch mutation, the read and the error example against a gateway on its built-in simulator', async () => {
    const builtIn = runTs('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    onCleanup(() => builtIn.child.kill('SIGKILL'));
    await until(() => builtIn.logs.some((line) => line.msg === 'gateway ready'), 'the gateway to start');
    const origin = new URL(builtIn.logs.find((line) => line.msg === 'gateway ready')!.url as string).origin;
    const [single, batch, read, error] = markedBlocks().filter((block) => block.setup === 'built-in');
    expect(JSON.parse(await paste(single.script, origin))).toEqual({ data: { setGroupMemberUnreadCount: { unreadCount: 5, coalesced: false } } });
    const results = JSON.parse(await paste(batch.script, origin)).data.setGroupMemberUnreadCounts.results;
    expect(results[0]).toEqual({ ok: true, unreadCount: 2, error: null });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } }); // not a member: its own error, the first still applied
    // The simulator's demo data: bob is a Member of the Public group, and the batch above left him at 2.
    expect(JSON.parse(await paste(read.script, origin))).toEqual({ data: { groupMember: { role: 'Member', unreadCount: 2, group: { type: 'Public' } } } });
    const refused = JSON.parse(await paste(error.script, origin));
    expect(refused.data).toBeNull();
    expect(refused.errors[0].extensions).toEqual({ code: 'GROUP_NOT_FOUND', retryable: false, imErrorCode: 10010, imErrorInfo: 'group does not exist' });
  }, 60_000);

  it('signs as bob with `npm run cli -- usersig` and sets bob’s own count through a gateway that checks UserSigs, in front of the standalone simulator', async () => {
    const simulator = runTs('src/simulator/main.ts', [], { SIMULATOR_PORT: '0' });
    onCleanup(() => simulator.child.kill('SIGKILL'));
    await until(() => simulator.stdout().includes('IM simulator listening on'), 'the simulator to start');
    const simulatorUrl = /IM simulator listening on (\S+)/.exec(simulator.stdout())![1];
    const gateway = await startGatewayProcess(simulatorUrl, { IM_SDKAPPID: '1400000000', IM_SECRET_KEY: 'simulator-demo-key-not-a-secret' });
    onCleanup(() => gateway.process.child.kill('SIGKILL'));
    expect(gateway.process.logs.find((line) => line.msg === 'gateway ready')).toMatchObject({ simulator: true, auth: 'usersig' });
    const [standalone] = markedBlocks().filter((block) => block.setup === 'standalone');
    expect(JSON.parse(await paste(standalone.script, gateway.origin))).toEqual({ data: { setGroupMemberUnreadCount: { unreadCount: 3 } } });
    // The same call without the UserSig is refused: the block proves the UserSig, not just that the gateway answers.
    const anonymous = standalone.script.replace(/ -H "Authorization: UserSig \$USERSIG"/, '');
    expect(anonymous).not.toBe(standalone.script);
    expect(JSON.parse(await paste(anonymous, gateway.origin)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  }, 90_000);
});
