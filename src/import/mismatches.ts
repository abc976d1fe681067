import { closeSync, openSync, writeSync } from 'node:fs';
import type { LatestValues } from './latest-values';
import { csvCell } from './rows';

/**
 * Why a row does not hold in IM. CLAMPED is IM's documented clamping, so it counts as landed; REJECTED rows
 * are in the import's rejects file (the import refused them and said so), so they fail nothing either.
 */
export const MISMATCH_REASONS = ['CLAMPED', 'REJECTED', 'DIFFERENT', 'NOT_MEMBER', 'GROUP_NOT_FOUND', 'UNSUPPORTED_GROUP_TYPE'] as const;
export type MismatchReason = (typeof MISMATCH_REASONS)[number];
/** The reasons that do not make verify-unread exit 3. */
export const ACCEPTED_REASONS: ReadonlySet<MismatchReason> = new Set(['CLAMPED', 'REJECTED']);

/** Matching (undefined), IM's clamping, or a real difference. */
export function reasonFor(expected: number, actual: number, messageCount: number): MismatchReason | undefined {
  if (actual === expected) return undefined;
  return expected > messageCount && actual === messageCount ? 'CLAMPED' : 'DIFFERENT';
}

const MISMATCH_COLUMNS = ['line', 'groupId', 'memberAccount', 'expected', 'actual', 'reason'];

/** Lines of the mismatches file written per write call. */
const LINES_PER_WRITE = 1_000;

/** The mismatches file: one CSV line per row that does not hold, in the input's line order. */
export function writeMismatches(path: string, store: LatestValues): void {
  const fd = openSync(path, 'w');
  try {
    let lines = [MISMATCH_COLUMNS.join(',')];
    for (const m of store.mismatches()) {
      lines.push([m.line, csvCell(m.groupId), csvCell(m.memberAccount), m.expected, m.actual ?? '', m.reason].join(','));
      if (lines.length >= LINES_PER_WRITE) {
        writeSync(fd, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}
