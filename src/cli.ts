#!/usr/bin/env node
/**
 * `im-graphql-gateway <command>`: dispatches to the command's own module, loaded on demand, so the import
 * command never loads the GraphQL server and `serve` starts exactly what `npm start` starts.
 */
import './observability/tracing-bootstrap'; // first: before the modules it instruments
import { inBoundedHeap, insideBoundedHeap } from './cli/bounded-heap';
import { EXIT } from './cli/exit-codes';

const [command, ...args] = process.argv.slice(2);
if (command === 'serve') {
  void import('./main'); // the gateway itself, in this process, so signals reach it directly
} else if (command === 'verify-unread' && !insideBoundedHeap) {
  void inBoundedHeap(__filename, process.argv.slice(2)).then((code) => process.exit(code), fail);
} else if (command === 'verify-unread') {
  void import('./cli/verify-unread').then(({ verifyCommand }) => verifyCommand(args)).then((code) => process.exit(code), fail);
} else if (command === 'usersig') {
  void import('./cli/usersig').then(({ usersig }) => process.exit(usersig(args)));
} else {
  void import('./cli/import-unread').then(({ importUnread }) => importUnread(command === undefined ? [] : [command, ...args])).then(
    (code) => process.exit(code),
    fail,
  );
}

function fail(error: unknown): never {
  process.stderr.write(`im-graphql-gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.FATAL);
}
