/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  setupFiles: ['reflect-metadata'],
  // Type checking is done once by `tsc --noEmit` in `npm test`; per-file transpiling keeps jest fast.
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  // Two workers even on a 2-core machine: most suites wait on sockets and child processes, not the CPU.
  maxWorkers: 2,
};
