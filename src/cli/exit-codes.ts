/** The commands' exit codes: documented in docs/migration.md and in `--help`. */
export const EXIT = { DONE: 0, FATAL: 1, USAGE: 2, INTERRUPTED: 130 } as const;
