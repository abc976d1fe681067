'use strict';
/** The most timestamps (ms) that fall within any window of `windowMs`, sliding, as IM counts calls. */
function maxInAnyWindow(times, windowMs = 1000) {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
module.exports = { maxInAnyWindow };
