import { SIMULATOR_DEMO_SECRET_KEY } from '../config/defaults';
import { ConfigError } from '../config/env';
import { loadSimulatorConfig } from '../config/simulator-config';
import { ADMIN_USERSIG_VALIDITY_SECONDS } from '../tencent/admin-usersig';
import { signUserSig } from '../tencent/usersig';
import { DEMO_GROUPS } from './demo-data';
import { ImSimulator } from './simulator';

/** `npm run simulator`: the IM simulator on its own, for frontend work without a Tencent account. */
async function main(): Promise<void> {
  const config = loadSimulatorConfig();
  const simulator = new ImSimulator({ sdkAppId: config.sdkAppId, secretKey: config.secretKey, adminAccounts: [config.adminIdentifier] });
  const url = await simulator.start(config.port, config.host);
  const keyHint = config.secretKey === SIMULATOR_DEMO_SECRET_KEY ? SIMULATOR_DEMO_SECRET_KEY : '<your SIMULATOR_SECRET_KEY>';
  process.stdout.write(instructions(url, config.sdkAppId, keyHint, (account) => signUserSig({ ...config, identifier: account, expireSeconds: ADMIN_USERSIG_VALIDITY_SECONDS })));
  const stop = (): void => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** What to do next: the gateway's variables, a UserSig per demo account, and a curl that works as printed. */
function instructions(url: string, sdkAppId: number, keyHint: string, sign: (account: string) => string): string {
  const [example] = DEMO_GROUPS;
  const accounts = Object.entries(example.members);
  const owner = accounts.find(([, role]) => role === 'Owner')![0];
  const mutation = `mutation { setGroupMemberUnreadCount(input: {groupId: \\"${example.groupId}\\", memberAccount: \\"bob\\", unreadCount: 5}) { unreadCount coalesced } }`;
  const lines = [
    `IM simulator listening on ${url}`,
    'Point a gateway at it:',
    `  IM_API_BASE_URL=${url} IM_SDKAPPID=${sdkAppId} IM_SECRET_KEY=${keyHint} npm start`,
    `That gateway checks callers' UserSigs (AUTH_MODE=usersig). Ready-made ones for the demo accounts of ${example.groupId}, valid 24 h:`,
    ...accounts.map(([account, role]) => `  ${`${account} (${role})`.padEnd(16)} ${sign(account)}`),
    `Try it as ${owner}, the group's Owner:`,
    `  curl -s localhost:4000/graphql -H 'content-type: application/json' -H 'Authorization: UserSig ${sign(owner)}' \\`,
    `    -d '{"query":"${mutation}"}'`,
    'Sign for any account with the variables above exported: npm run cli -- usersig <account> (in a clone; npx im-graphql-gateway usersig <account> where the package is installed)',
    `Import unread counts into it: the same variables exported, then npm run cli -- import-unread <file> (IM_API_BASE_URL is what points the import here)`,
  ];
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? 'Configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
