import { createServer, type Server, type Socket } from 'node:net';
import { ReplicaConnection } from '../../src/replicas/redis-connection';
import { createLogger } from '../../src/observability/logger';
import { onCleanup } from '../support/cleanup';
import { redisCli, TestRedis } from '../support/redis';
import { until } from '../support/wait';

const MASTER_NAME = 'imgateway';

/** RESP encodings of the few replies a Sentinel gives here. */
const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.join('')}`;

/**
 * A Sentinel speaking just enough RESP for ioredis (the master's address, the other Sentinels, +switch-master
 * subscriptions) that can announce a failover at the worst moment: while a client is asking it for the master.
 */
class ScriptedSentinel {
  private readonly server: Server;
  private readonly subscribers = new Set<Socket>();
  /** The next master lookup first announces +switch-master, then answers a little later. */
  announceOnNextLookup = false;
  lookups = 0;
  private whenNoSubscribers?: () => void;

  constructor(private readonly masterPort: number) {
    this.server = createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.subscribers.delete(socket);
        if (this.subscribers.size === 0) this.whenNoSubscribers?.();
      });
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          const parsed = parseCommand(pending);
          if (parsed === undefined) return;
          pending = pending.subarray(parsed.length);
          this.answer(socket, parsed.args);
        }
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  close(): void {
    for (const socket of this.subscribers) socket.destroy();
    this.server.close();
  }

  private answer(socket: Socket, args: string[]): void {
    const [command, sub] = [args[0]?.toLowerCase(), args[1]?.toLowerCase()];
    if (command === 'sentinel' && sub === 'get-master-addr-by-name') {
      this.lookups += 1;
      const reply = array([bulk('127.0.0.1'), bulk(String(this.masterPort))]);
      if (!this.announceOnNextLookup) return void socket.write(reply);
      this.announceOnNextLookup = false;
      const message = array([bulk('message'), bulk('+switch-master'), bulk(`${MASTER_NAME} 127.0.0.1 1 127.0.0.1 ${this.masterPort}`)]);
      // The lookup is answered once the announcement has closed the connector: ioredis's failover detector then
      // also drops its subscriptions, which this Sentinel sees.
      this.whenNoSubscribers = () => {
        this.whenNoSubscribers = undefined;
        socket.write(reply);
      };
      for (const subscriber of this.subscribers) subscriber.write(message);
      return;
    }
    if (command === 'sentinel' && sub === 'sentinels') return void socket.write('*0\r\n');
    if (command === 'subscribe') {
      this.subscribers.add(socket);
      return void socket.write(array([bulk('subscribe'), bulk(args[1]), ':1\r\n']));
    }
    socket.write('+OK\r\n'); // CLIENT SETNAME, CLIENT SETINFO and the like
  }
}

/** One command (a RESP array of bulk strings) from the front of `buffer`, or undefined while incomplete. */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  let offset = 0;
  const line = () => {
    const end = buffer.indexOf('\r\n', offset);
    if (end < 0) return undefined;
    const text = buffer.subarray(offset, end).toString();
    offset = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined || !head.startsWith('*')) return undefined;
  const args: string[] = [];
  for (let i = 0; i < Number(head.slice(1)); i++) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < offset + length + 2) return undefined;
    args.push(buffer.subarray(offset, offset + length).toString());
    offset += length + 2;
  }
  return { args, length: offset };
}

describe('a Sentinel failover announced while the connection is being made again (ioredis ends the client there)', () => {
  it('connects again by itself: the shared state comes back instead of staying unreachable until a restart', async () => {
    const redis = await TestRedis.start();
    onCleanup(() => redis.stop());
    const sentinel = new ScriptedSentinel(redis.port);
    const sentinelPort = await sentinel.listen();
    onCleanup(() => sentinel.close());
    const connection = new ReplicaConnection({
      topology: { kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinelPort }], masterName: MASTER_NAME, tls: false },
      keyPrefix: 'sentinel-reconnect:',
      logger: createLogger({ level: 'silent' }),
      resetHolds: { membersMs: 0, budgetMs: 0 },
    });
    onCleanup(() => connection.close());
    expect(await connection.whenReady(10_000)).toBe(true);
    await until(() => sentinel.subscriberCount > 0, 'the failover detector to subscribe to +switch-master');

    // The master drops the gateway's connection (as a failover does); while the client asks the Sentinel for the
    // master again, +switch-master arrives and ioredis's failover detector closes the connector mid-connect.
    const ended = new Promise<void>((resolve) => connection.redis.once('end', () => resolve()));
    sentinel.announceOnNextLookup = true;
    const lookupsBefore = sentinel.lookups;
    expect(redisCli(redis.port, 'CLIENT', 'KILL', 'TYPE', 'normal')).not.toBe('0');
    await ended; // what ioredis does: the client gives up ('end')
    await until(() => connection.redis.status === 'ready', 'the connection to be ready again', 10_000);
    expect(sentinel.lookups).toBeGreaterThan(lookupsBefore + 1); // it asked the Sentinel again after ending
    expect(await connection.redis.ping()).toBe('PONG');
  }, 30_000);
});
