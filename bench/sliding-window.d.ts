export const IM_WINDOW_MS: number;
export function maxInAnyWindow(times: number[], windowMs?: number): number;
