import { createReadStream } from 'node:fs';

export type ImportFormat = 'csv' | 'ndjson';

/** The columns a CSV import needs, in any order, named in its header line. */
const CSV_COLUMNS = ['groupId', 'memberAccount', 'unreadCount'] as const;

/** One data row of the input: its fields, or why it could not be read. */
export interface InputRow {
  /** 1-based line number in the file (the CSV header is line 1). */
  line: number;
  fields?: Record<string, unknown>;
  problem?: string;
  /** Bytes of the file read up to and including this row, for progress. */
  bytesRead: number;
}

/** The format from the file name: `.ndjson` / `.jsonl` are NDJSON, everything else CSV. */
export function formatOf(path: string): ImportFormat {
  return /\.(ndjson|jsonl)$/i.test(path) ? 'ndjson' : 'csv';
}

/**
 * Streams the rows of a CSV or NDJSON file, one line at a time: the file is never held in memory, and
 * the next chunk is read only when the consumer asks for more rows (backpressure).
 */
export async function* readRows(path: string, format: ImportFormat): AsyncGenerator<InputRow> {
  let columns: string[] | undefined;
  let line = 0;
  for await (const { text, bytesRead } of lines(path)) {
    line += 1;
    if (text.trim() === '') continue;
    if (format === 'ndjson') {
      yield { line, bytesRead, ...parseJsonLine(text) };
      continue;
    }
    const cells = parseCsvLine(text);
    if (columns === undefined) {
      if (cells === undefined) throw new ImportFileError('the CSV header line has unbalanced quotes');
      columns = cells.map((cell) => cell.trim().replace(/^\uFEFF/, ''));
      const missing = CSV_COLUMNS.filter((column) => !columns!.includes(column));
      if (missing.length > 0) throw new ImportFileError(`the CSV header must name the columns ${CSV_COLUMNS.join(',')}; missing: ${missing.join(', ')}`);
      continue;
    }
    if (cells === undefined) {
      yield { line, bytesRead, problem: 'unbalanced quotes' };
      continue;
    }
    const fields: Record<string, unknown> = {};
    columns.forEach((column, index) => (fields[column] = cells[index]));
    yield { line, bytesRead, fields: { ...fields, unreadCount: csvNumber(fields.unreadCount) } };
  }
  if (format === 'csv' && columns === undefined) throw new ImportFileError('the CSV file is empty: it needs a header line');
}

/** The input file cannot be used at all (fatal, unlike a bad row). */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** The import cannot start as asked (a checkpoint in the way, nothing to resume, a changed file): exit 2. */
export class ImportUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportUsageError';
  }
}

async function* lines(path: string): AsyncGenerator<{ text: string; bytesRead: number }> {
  let rest = '';
  let bytesRead = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const text = rest + (chunk as string);
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const part of parts) {
      bytesRead += Buffer.byteLength(part) + 1;
      yield { text: part.endsWith('\r') ? part.slice(0, -1) : part, bytesRead };
    }
  }
  if (rest !== '') {
    bytesRead += Buffer.byteLength(rest);
    yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, bytesRead };
  }
}

/** One CSV line (RFC 4180 quoting within the line); undefined when its quotes do not balance. */
function parseCsvLine(text: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return quoted ? undefined : cells;
}

/** CSV cells are text: a plain decimal integer becomes a number; anything else stays text for the validator to refuse. */
function csvNumber(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
}

function parseJsonLine(text: string): Pick<InputRow, 'fields' | 'problem'> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { problem: 'the line is not a JSON object' };
    return { fields: parsed as Record<string, unknown> };
  } catch {
    return { problem: 'the line is not valid JSON' };
  }
}

/** One CSV cell as written: quoted when it holds a quote, comma, line break or outer spaces; nothing for none. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}
