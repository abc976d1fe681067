import { imUnavailable } from '../errors';

/** One IM read call: the answer for each key asked (a value, or that key's own error); keys left out fail. */
type FetchBatch<K, V> = (partition: string, keys: K[]) => Promise<Map<string, V | Error>>;

export interface ReadBatcherOptions<K, V> {
  /** Which call a key can share: its group for member reads; one partition for get_group_info (groups batch together). */
  partition: (key: K) => string;
  /** The key's identity within a partition: equal keys in one batch share one answer. */
  keyId: (key: K) => string;
  /** IM's most keys per call (50 members, 500 accounts, 50 groups). A full batch goes at once. */
  maxBatchSize: number;
  /** Default 0. How long the first read of a batch waits for others before its call goes (IM_READ_BATCH_WINDOW_MS). */
  windowMs?: number;
  fetch: FetchBatch<K, V>;
  /** Default a real timer. Tests use fake timers. */
  setTimer?: (run: () => void, ms: number) => void;
}

interface Waiter<V> {
  resolve: (value: V) => void;
  reject: (error: Error) => void;
}

/** Reads collecting for one call: joined only until the call leaves. */
interface Batch<K, V> {
  keys: Map<string, { key: K; waiters: Array<Waiter<V>> }>;
  /** The window has passed: the batch goes as soon as its partition has no partial call in flight. */
  due: boolean;
}

interface Partition<K, V> {
  collecting?: Batch<K, V>;
  /** Partial batches in flight: the next one waits for them (full ones never wait). */
  partialInFlight: number;
  /** Every call in flight, full or partial. */
  calls: number;
}

/**
 * Batches one read command across every request of the process — the coalescer's in-flight + next pattern
 * for reads. Per partition: the first read opens a batch; the batch goes when the window has passed and no
 * call of its partition is in flight, or at once when it holds IM's maximum. While a call is at IM, the next
 * batch collects behind it, so a burst costs about one call per IM round trip.
 *
 * Freshness: a read never joins a call that left before the read arrived (only a batch still collecting takes
 * new reads), and nothing is kept once a call answers. So an answer is never older than its request.
 */
export class ReadBatcher<K, V> {
  private readonly partitions = new Map<string, Partition<K, V>>();
  private readonly windowMs: number;
  private readonly setTimer: (run: () => void, ms: number) => void;

  constructor(private readonly options: ReadBatcherOptions<K, V>) {
    this.windowMs = options.windowMs ?? 0;
    this.setTimer = options.setTimer ?? ((run, ms) => void setTimeout(run, ms));
  }

  load(key: K): Promise<V> {
    const name = this.options.partition(key);
    let partition = this.partitions.get(name);
    if (partition === undefined) this.partitions.set(name, (partition = { partialInFlight: 0, calls: 0 }));
    let batch = partition.collecting;
    if (batch === undefined) {
      batch = { keys: new Map(), due: false };
      partition.collecting = batch;
      const opened = batch;
      this.setTimer(() => {
        opened.due = true;
        this.sendIfReady(name, opened);
      }, this.windowMs);
    }
    const id = this.options.keyId(key);
    let entry = batch.keys.get(id);
    if (entry === undefined) batch.keys.set(id, (entry = { key, waiters: [] }));
    const waiters = entry.waiters;
    const answer = new Promise<V>((resolve, reject) => waiters.push({ resolve, reject }));
    if (batch.keys.size >= this.options.maxBatchSize) this.send(name, batch, false);
    return answer;
  }

  /** Partitions with a batch collecting or a call in flight (bounded by what is in progress; for tests). */
  get activePartitions(): number {
    return this.partitions.size;
  }

  private sendIfReady(name: string, batch: Batch<K, V>): void {
    const partition = this.partitions.get(name);
    if (partition?.collecting !== batch || !batch.due || partition.partialInFlight > 0) return;
    this.send(name, batch, true);
  }

  private send(name: string, batch: Batch<K, V>, partial: boolean): void {
    const partition = this.partitions.get(name)!;
    if (partition.collecting === batch) partition.collecting = undefined;
    partition.calls += 1;
    if (partial) partition.partialInFlight += 1;
    const entries = [...batch.keys.values()];
    this.options.fetch(name, entries.map((entry) => entry.key)).then(
      (found) => {
        for (const { key, waiters } of entries) {
          const value = found.get(this.options.keyId(key));
          for (const waiter of waiters) {
            if (value === undefined) waiter.reject(imUnavailable('the IM reply left this key out'));
            else if (value instanceof Error) waiter.reject(value);
            else waiter.resolve(value);
          }
        }
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const { waiters } of entries) for (const waiter of waiters) waiter.reject(failure);
      },
    ).finally(() => {
      partition.calls -= 1;
      if (partial) partition.partialInFlight -= 1;
      const next = partition.collecting;
      if (next !== undefined) this.sendIfReady(name, next);
      else if (partition.calls === 0 && this.partitions.get(name) === partition) this.partitions.delete(name); // nothing kept once answered
    });
  }
}
