// Which processes are alive, for runs left running: each worker id this
// process claims runs for holds a session advisory lock on one dedicated
// connection for the life of the process. settleOrphaned (in any process)
// settles only runs whose worker's lock is free, i.e. whose process is gone.
import type pg from "pg";

/** Advisory-lock namespace for worker liveness ("skno"); the key is hashtext(worker id). */
export const WORKER_LOCK_NS = 0x736b6e6f;

/** A connection outside the pool: session advisory locks must outlive a query. */
export type ConnectDedicated = () => Promise<pg.Client>;

export class WorkerLiveness {
  /**
   * Worker ids this process claimed runs for. Each holds a session advisory
   * lock on `liveness` for the life of the process; settleOrphaned (in any
   * process) settles only runs whose worker's lock is free, i.e. whose
   * process is gone. Worker ids must be unique per process (host:pid:uuid).
   */
  private readonly workers = new Set<string>();
  /** Worker ids whose lock is currently held on `liveness` (emptied when that connection drops). */
  private readonly locked = new Set<string>();
  private liveness: Promise<pg.Client> | undefined;
  private livenessClient: pg.Client | undefined;
  private closed = false;

  constructor(private readonly connectDedicated: ConnectDedicated) {}

  /** True for worker ids of this process: their runs are never orphans here. */
  isOurs(workerId: string): boolean {
    return this.workers.has(workerId);
  }

  private holding?: Promise<void>;

  /** Serialized: the liveness connection runs one query at a time. */
  hold(workerId: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("The PostgreSQL metadata store is closed"));
    if (this.locked.has(workerId) && this.liveness) return Promise.resolve();
    const previous = this.holding ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.takeWorkerLock(workerId));
    this.holding = next;
    return next;
  }

  private async takeWorkerLock(workerId: string): Promise<void> {
    if (this.locked.has(workerId) && this.liveness) return;
    this.liveness ??= this.openLiveness();
    const client = await this.liveness;
    const { rows } = await client.query<{ held: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS held", [WORKER_LOCK_NS, workerId]);
    if (!rows[0]?.held) {
      // Another live session holds it: a duplicate worker id (or a hash
      // collision). Claiming still works; only orphan detection is weaker.
      process.stderr.write(`skeino: worker id '${workerId}' is already held by another process\n`);
    }
    this.workers.add(workerId);
    this.locked.add(workerId);
  }

  private async openLiveness(): Promise<pg.Client> {
    let client: pg.Client;
    try {
      client = await this.connectDedicated();
    } catch (error) {
      this.liveness = undefined;
      throw error;
    }
    // The locks die with the connection: forget them so the next claim takes them again.
    const lost = () => {
      if (this.livenessClient !== client) return;
      this.livenessClient = undefined;
      this.liveness = undefined;
      // Our runs stay ours (settleOrphaned skips this.workers); the next
      // claim re-takes the locks. Until then another process may see them
      // as orphans: a lost connection to Postgres is a lost lease.
      this.locked.clear();
    };
    client.on("error", lost);
    client.on("end", lost);
    this.livenessClient = client;
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.liveness;
    this.liveness = undefined;
    this.workers.clear();
    this.locked.clear();
    const client = this.livenessClient ?? (await opening?.catch(() => undefined));
    this.livenessClient = undefined;
    await client?.end().catch(() => {});
  }
}
