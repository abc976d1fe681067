/** The most timestamps (ms) that fall within any one window of `windowMs` (default 1000). */
export function maxInAnyWindow(times: number[], windowMs?: number): number;
