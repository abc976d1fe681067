import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printGatewaySchema } from '../graphql/schema';

/** `npm run schema`: rewrites schema.graphql at the project root from the code. */
export const SCHEMA_FILE = resolve(__dirname, '..', '..', 'schema.graphql');

printGatewaySchema().then(
  (sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
