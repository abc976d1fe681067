/** Resolves once `condition` holds, polling every `pollMs`; rejects naming `what` after `timeoutMs`. Tests wait for conditions, never fixed times. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'a condition', timeoutMs = 30_000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
