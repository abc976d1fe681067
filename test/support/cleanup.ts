/**
 * Teardown that runs after each test, pass or fail, last registered first: `onCleanup(() => gateway.stop())`
 * right after starting something, instead of a try/finally around the whole test.
 */
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}
