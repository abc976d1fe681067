import { parseArgs } from 'node:util';
import { commandConfig } from './command-config';
import { isImAccountText } from '../domain/ids';
import { ADMIN_USERSIG_VALIDITY_SECONDS } from '../tencent/admin-usersig';
import { signUserSig } from '../tencent/usersig';
import { EXIT } from './exit-codes';

const USAGE = `Usage: im-graphql-gateway usersig <account> [--expire <seconds>]

Signs a UserSig for <account> with the app's IM_SDKAPPID and IM_SECRET_KEY (the standalone simulator's
variables work too) and prints it alone on stdout, so that

  curl -H "Authorization: UserSig $(npx im-graphql-gateway usersig bob)" …

calls the gateway as bob. --expire: validity in seconds (default ${ADMIN_USERSIG_VALIDITY_SECONDS}, a day).`;

/** `im-graphql-gateway usersig <account>`; resolves to the exit code. */
export function usersig(argv: string[], env: Record<string, string | undefined> = process.env): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { expire: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.DONE;
  }
  const [account, ...extra] = parsed.positionals;
  if (account === undefined || extra.length > 0) return usageError('usersig takes exactly one account');
  if (!isImAccountText(account)) return usageError('the account must be an IM account: 1 to 32 bytes, no control characters');
  const expire = parsed.values.expire === undefined ? ADMIN_USERSIG_VALIDITY_SECONDS : Number(parsed.values.expire);
  if (!Number.isInteger(expire) || expire < 1) return usageError('--expire must be a whole number of seconds, 1 or more');
  const config = commandConfig(env);
  if ('problem' in config) return usageError(config.problem);
  const target = config.im.target;
  if (target.kind !== 'tencent') {
    return usageError('IM_SDKAPPID and IM_SECRET_KEY are required: a UserSig is signed with the app\'s key (the built-in simulator makes a new key each start; use `npm run simulator`, which prints its variables)');
  }
  process.stdout.write(`${signUserSig({ sdkAppId: target.sdkAppId, secretKey: target.secretKey, identifier: account, expireSeconds: expire })}\n`);
  return EXIT.DONE;
}

function usageError(message: string): number {
  process.stderr.write(`usersig: ${message}\n\n${USAGE}\n`);
  return EXIT.USAGE;
}
