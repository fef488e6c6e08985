// The streaming protocol (v2) of one server: records every thread run on its
// thread's event log, answers commands, and tells a new stream where on the
// log to start.
import type { Logger } from "../logger.ts";
import type { Persistence, ThreadEvent } from "../persistence/types.ts";
import type { RunEngine } from "../runs/run-engine.ts";
import { ProtocolCommands, type ProtocolDeps } from "./commands.ts";
import { followThread } from "./follow.ts";
import { ProtocolRecorder } from "./recorder.ts";
import { ThreadHub } from "./thread-hub.ts";

export interface StreamStart {
  after: number;
  skipRuns?: ReadonlySet<string>;
}

export class ProtocolService {
  readonly hub: ThreadHub;
  readonly commands: ProtocolCommands;
  private readonly persistence: Persistence;
  /** Memory: every append notifies, the poll is a safety net. Shared backends: notifications may be lost. */
  private readonly pollMs: number;

  constructor(deps: ProtocolDeps & { engine: RunEngine; log: Logger }, options: { pollIntervalMs?: number } = {}) {
    this.persistence = deps.persistence;
    this.hub = new ThreadHub(deps.persistence.bus);
    this.commands = new ProtocolCommands(deps);
    deps.engine.observer = new ProtocolRecorder(deps.persistence.threadEvents, this.hub, deps.log);
    this.pollMs = deps.persistence.bus ? Math.max(options.pollIntervalMs ?? 500, 100) * 2 : 30_000;
  }

  /**
   * Where a stream starts: after `since` when given; else at the start of the
   * thread's latest run (a stream opened right after run.start, or to watch
   * a thread, sees that run whole), skipping the events of older runs (an
   * enqueued run's stream must not end on its predecessor's terminal).
   */
  async streamStart(threadId: string, since?: number): Promise<StreamStart> {
    if (since !== undefined) return { after: since };
    // The runs before the latest may still append (a run still going, or one
    // whose terminal event is being written as it ends).
    const recent = await this.persistence.metadata.runs.list(threadId, { limit: 10, offset: 0 });
    const [latest, ...older] = recent;
    const position = await this.persistence.threadEvents.position(threadId, latest?.run_id);
    if (!latest) return { after: position.last };
    return {
      after: position.runStart !== undefined ? position.runStart - 1 : position.last,
      ...(older.length ? { skipRuns: new Set(older.map((r) => r.run_id)) } : {}),
    };
  }

  /** Where a run's events start on its thread's log (undefined: none yet). */
  async runStart(threadId: string, runId?: string): Promise<{ last: number; runStart?: number }> {
    return this.persistence.threadEvents.position(threadId, runId);
  }

  /** The thread's run in progress (else its oldest pending one). */
  async activeRunId(threadId: string): Promise<string | undefined> {
    const active = await this.persistence.metadata.runs.active(threadId);
    return (active.find((r) => r.status === "running") ?? active[0])?.run_id;
  }

  follow(threadId: string, start: StreamStart, signal: AbortSignal): AsyncGenerator<ThreadEvent> {
    return followThread(this.persistence.threadEvents, this.hub, threadId, { ...start, signal, pollMs: this.pollMs });
  }

  read(threadId: string, after: number, limit: number): Promise<ThreadEvent[]> {
    return this.persistence.threadEvents.read(threadId, after, limit);
  }

  close(): void {
    this.hub.close();
  }
}
