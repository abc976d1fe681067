import type { ChildProcess } from 'node:child_process';

/** Starts bench/counting-im.py in its own process; resolves once it listens. */
export function startCountingIm(env?: { REPLY_DELAY_MS?: string; LIMIT_PER_SECOND?: string; WINDOW_MS?: string }): Promise<{ child: ChildProcess; url: string }>;
