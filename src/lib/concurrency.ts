/** A counting semaphore: first come, first served. */
export class Semaphore {
  private held = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    while (this.held >= this.size) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.held += 1;
  }

  release(): void {
    this.held -= 1;
    this.waiters.shift()?.();
  }
}

/**
 * Work in turns per key: a task for a key starts once the previous task for that key has settled, whatever
 * its outcome; keys never wait for each other. Only keys with work in progress are kept.
 */
export class Turns {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const turn = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }
}
