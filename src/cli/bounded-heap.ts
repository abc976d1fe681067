import { isMainThread, SHARE_ENV, Worker } from 'node:worker_threads';

/**
 * The V8 heap (MiB) verify-unread runs in. Its live set is about 15 MiB whatever the file's size (the rows wait
 * on disk), but V8 lets promoted garbage pile up to well over 100 MiB before a full collection on a big
 * machine; bounds make it collect sooner, and a small young generation promotes less (measured, 2,500,000
 * members: peak RSS 213–221 MiB with no bound on the young generation and 128 on the old, 178 with these).
 */
const HEAP_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

/** True in the worker {@link inBoundedHeap} started: run the command here. */
export const insideBoundedHeap = !isMainThread;

/**
 * Runs this CLI again with `argv` in a worker thread whose heap is bounded (a Node flag cannot be set once the
 * process runs; a worker's `resourceLimits` can), and resolves to the command's exit code. Same process, so
 * signals and the environment are the process's own.
 */
export function inBoundedHeap(entry: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { argv, env: SHARE_ENV, resourceLimits: HEAP_LIMITS });
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}
