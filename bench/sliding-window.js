'use strict';
/** IM may count a window a little shorter than a second: every count here uses this stricter window by default. */
const IM_WINDOW_MS = 990;
/** The most timestamps (ms) that fall within any window of `windowMs`, sliding, as IM counts calls. */
function maxInAnyWindow(times, windowMs = IM_WINDOW_MS) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
module.exports = { maxInAnyWindow, IM_WINDOW_MS };
