import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** A file row as verify-unread checks it: the member's last valid row. */
export interface ExpectedRow {
  line: number;
  groupId: string;
  memberAccount: string;
  expected: number;
}

/**
 * Writes per transaction, from loading to the end: a statement in a transaction of its own writes its pages
 * at once (millions of syscalls for a big file); without a journal or fsync a commit is cheap otherwise.
 */
const ROWS_PER_TRANSACTION = 10_000;
/** SQLite's page cache (KiB), and its whole heap (bytes, a soft limit): what the store may hold in memory, whatever the file's size. */
const CACHE_KIB = 16 * 1024;
const SQLITE_HEAP_BYTES = 32 * 1024 * 1024;

/**
 * "The last value per member" of an import file, on disk: SQLite (Node's built-in `node:sqlite`, no native
 * add-on to build), a temporary database that disappears with the connection. Rows are appended in file
 * order; one sort inside SQLite (spilling to disk, its page cache bounded by {@link CACHE_KIB}) keeps each
 * member's last row, grouped by group. So verify-unread's memory does not grow with the file.
 */
export class LatestValues {
  private readonly db: DatabaseSync;
  private readonly insertRow: StatementSync;
  private readonly insertRejected: StatementSync;
  private readonly findMember: StatementSync;
  private readonly insertChecked: StatementSync;
  private readonly insertMismatch: StatementSync;
  private pending = 0;

  constructor() {
    // '': SQLite's private temporary database, on disk under TMPDIR once it outgrows the cache, and unlinked
    // from the start, so nothing is left behind whatever ends the process.
    this.db = openDatabase('');
    this.db.exec(`
      PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE; PRAGMA cache_size = -${CACHE_KIB}; PRAGMA soft_heap_limit = ${SQLITE_HEAP_BYTES};
      CREATE TABLE rows (line INTEGER PRIMARY KEY, group_id TEXT NOT NULL, account TEXT NOT NULL, expected INTEGER NOT NULL);
      CREATE TABLE latest (group_id TEXT NOT NULL, account TEXT NOT NULL, line INTEGER NOT NULL, expected INTEGER NOT NULL, PRIMARY KEY (group_id, account)) WITHOUT ROWID;
      CREATE TABLE rejected (line INTEGER PRIMARY KEY);
      CREATE TABLE checked (line INTEGER PRIMARY KEY);
      CREATE TABLE outcome (line INTEGER PRIMARY KEY, group_id TEXT NOT NULL, account TEXT NOT NULL, expected INTEGER NOT NULL, actual INTEGER, reason TEXT NOT NULL);
      BEGIN;`);
    this.insertRow = this.db.prepare('INSERT INTO rows VALUES (?, ?, ?, ?)');
    this.insertRejected = this.db.prepare('INSERT OR IGNORE INTO rejected VALUES (?)');
    this.findMember = this.db.prepare('SELECT line, expected FROM latest WHERE group_id = ? AND account = ?');
    this.insertChecked = this.db.prepare('INSERT OR IGNORE INTO checked VALUES (?)');
    this.insertMismatch = this.db.prepare('INSERT OR REPLACE INTO outcome VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** A valid row, in file order (a later row of the same member replaces it). */
  add(row: ExpectedRow): void {
    this.insertRow.run(row.line, row.groupId, row.memberAccount, row.expected);
    this.commitEveryBatch();
  }

  /** A line the import refused (its rejects file). */
  addRejected(line: number): void {
    this.insertRejected.run(line);
    this.commitEveryBatch();
  }

  /**
   * Loading is over: keeps each member's last row (one external sort), hands the members whose last row the
   * import rejected to `onRejected` (they are reported, not read from IM) and leaves them out. Call once.
   */
  settle(onRejected: (row: ExpectedRow) => void): void {
    this.db.exec(`COMMIT;
      INSERT INTO latest SELECT group_id, account, max(line), expected FROM rows GROUP BY group_id, account;
      DROP TABLE rows;
      BEGIN;`);
    for (const row of rowsOf(this.db.prepare('SELECT l.* FROM latest l JOIN rejected r ON r.line = l.line').iterate())) onRejected(row);
    this.db.exec('DELETE FROM latest WHERE line IN (SELECT line FROM rejected)');
  }

  /** Members left to read from IM (after {@link settle}). */
  memberCount(): number {
    return Number(this.db.prepare('SELECT count(*) AS n FROM latest').get()!.n);
  }

  /** Each group with how many members the file names in it, in group order. */
  *groups(): Generator<{ groupId: string; members: number }> {
    for (const row of this.db.prepare('SELECT group_id, count(*) AS n FROM latest GROUP BY group_id').iterate()) {
      yield { groupId: String(row.group_id), members: Number(row.n) };
    }
  }

  /** A group's members as the file names them (their last row); `unchecked`: only those not yet {@link markChecked}. */
  *membersOf(groupId: string, unchecked = false): Generator<ExpectedRow> {
    const sql = `SELECT * FROM latest WHERE group_id = ?${unchecked ? ' AND NOT EXISTS (SELECT 1 FROM checked c WHERE c.line = latest.line)' : ''}`;
    yield* rowsOf(this.db.prepare(sql).iterate(groupId));
  }

  /** The member's last row, if the file names it. */
  find(groupId: string, memberAccount: string): ExpectedRow | undefined {
    const row = this.findMember.get(groupId, memberAccount);
    return row === undefined ? undefined : { line: Number(row.line), groupId, memberAccount, expected: Number(row.expected) };
  }

  /** Marks a row checked; false when it already was (a member two pages listed). */
  markChecked(line: number): boolean {
    const inserted = Number(this.insertChecked.run(line).changes) === 1;
    this.commitEveryBatch();
    return inserted;
  }

  /** A row that does not hold, with why. */
  addMismatch(row: ExpectedRow, actual: number | undefined, reason: string): void {
    this.insertMismatch.run(row.line, row.groupId, row.memberAccount, row.expected, actual ?? null, reason);
    this.commitEveryBatch();
  }

  /** The mismatches in line order. */
  *mismatches(): Generator<ExpectedRow & { actual?: number; reason: string }> {
    for (const row of this.db.prepare('SELECT * FROM outcome ORDER BY line').iterate()) {
      yield { line: Number(row.line), groupId: String(row.group_id), memberAccount: String(row.account), expected: Number(row.expected), actual: row.actual === null ? undefined : Number(row.actual), reason: String(row.reason) };
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private commitEveryBatch(): void {
    if (++this.pending < ROWS_PER_TRANSACTION) return;
    this.db.exec('COMMIT; BEGIN;');
    this.pending = 0;
  }
}

function* rowsOf(rows: Iterable<Record<string, unknown>>): Generator<ExpectedRow> {
  for (const row of rows) yield { line: Number(row.line), groupId: String(row.group_id), memberAccount: String(row.account), expected: Number(row.expected) };
}

/**
 * Node 22 prints an ExperimentalWarning when `node:sqlite` is first loaded (Node 24 does not): the CLI's
 * output is for people, so that one warning is kept out of it; every other warning passes.
 */
function openDatabase(path: string): DatabaseSync {
  const original = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  const emitWarning = process.emitWarning.bind(process) as unknown as (...args: unknown[]) => void;
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning instanceof Error ? warning.message : warning).includes('SQLite')) emitWarning(warning, ...rest);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: the gateway itself never needs it
    const { DatabaseSync: Database } = require('node:sqlite') as typeof import('node:sqlite');
    return new Database(path);
  } finally {
    if (original !== undefined) Object.defineProperty(process, 'emitWarning', original);
  }
}
