/** The services whose requests are counted. */
export type CountedService = 's3' | 'dynamodb' | 'sts' | 'iam';

/** Structural view of an SDK v3 client: enough to send a command. */
export interface SdkClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Structural view of an SDK v3 command: its own middleware stack. */
interface CommandLike {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'finalizeRequest'; priority: 'low'; name: string }): void;
    identify(): string[];
  };
}

type Handler = (args: unknown) => Promise<unknown>;

const MIDDLEWARE_NAME = 'cdkTfstateBackendRequestCounter';

/**
 * Counts every HTTP request (retries included) per service and operation.
 *
 * The counting middleware goes on each command's own stack, not on the client's: caller-provided
 * clients are never modified, yet their requests are counted as ours. It sits in the
 * `finalizeRequest` step at low priority, inside the retry middleware, so each attempt is counted.
 */
export class RequestCounter {
  private readonly counts: Record<CountedService, Record<string, number>> = { s3: {}, dynamodb: {}, sts: {}, iam: {} };

  /** Sends `command` on `client`, counting its attempts, with the caller's abort signal. */
  public async send<T>(service: CountedService, client: SdkClientLike, command: CommandLike, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const counts = this.counts[service];
    const counter = (next: Handler, context: { commandName?: string }): Handler => async (args) => {
      const op = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      counts[op] = (counts[op] ?? 0) + 1;
      return next(args);
    };
    if (!command.middlewareStack.identify().some((m) => m.startsWith(MIDDLEWARE_NAME))) {
      command.middlewareStack.add(counter, { step: 'finalizeRequest', priority: 'low', name: MIDDLEWARE_NAME });
    }
    return await client.send(command, signal ? { abortSignal: signal } : undefined) as T;
  }

  /** A copy of the counts so far. */
  public snapshot(): Record<CountedService, Record<string, number>> & { total: number } {
    const copy = (r: Record<string, number>) => ({ ...r });
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      s3: copy(this.counts.s3),
      dynamodb: copy(this.counts.dynamodb),
      sts: copy(this.counts.sts),
      iam: copy(this.counts.iam),
      total: sum(this.counts.s3) + sum(this.counts.dynamodb) + sum(this.counts.sts) + sum(this.counts.iam),
    };
  }

  /** Sets every count back to zero. */
  public reset(): void {
    for (const service of ['s3', 'dynamodb', 'sts', 'iam'] as const) {
      for (const k of Object.keys(this.counts[service])) delete this.counts[service][k];
    }
  }
}
