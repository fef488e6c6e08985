// Custom auth on a protocol stream (SSE or WebSocket): which of a thread's
// events one caller may receive. The caller's threads:read handler runs once,
// when the stream opens (a refusal is its 401/403); its filter is then matched
// against the thread as each run's first event arrives, because a stream may
// open on a thread that does not exist yet (the SDK attaches before run.start
// on a client-minted id) and the thread may then be created by anyone. A
// thread the caller may not see behaves like a missing one: an open stream
// that carries nothing, so its id does not leak.
import type { AuthFilter } from "../auth/types.ts";
import { matchesFilter } from "../auth/filter.ts";
import type { Access, Caller } from "../http/access.ts";
import type { MetadataStore, ThreadEvent } from "../persistence/types.ts";

type ThreadLookup = Pick<MetadataStore["threads"], "get">;

export class ThreadGate {
  /** Per run: may this caller see its events? Runs are few per stream, events many. */
  private decided = new Map<string, Promise<boolean>>();

  private constructor(
    private readonly threads: ThreadLookup,
    private readonly threadId: string,
    private readonly filter: AuthFilter | undefined,
  ) {}

  /** Runs the caller's threads:read handler; throws its refusal. */
  static async open(access: Access, threads: ThreadLookup, caller: Caller, threadId: string): Promise<ThreadGate> {
    const filter = await access.check(caller, "threads:read", { thread_id: threadId });
    return new ThreadGate(threads, threadId, filter);
  }

  /** Whether `event` may go to this caller. */
  allows(event: Pick<ThreadEvent, "run_id">): Promise<boolean> | boolean {
    if (!this.filter) return true;
    let decision = this.decided.get(event.run_id);
    if (!decision) {
      const filter = this.filter;
      decision = this.threads.get(this.threadId).then((thread) => thread !== undefined && matchesFilter(thread.metadata, filter));
      this.decided.set(event.run_id, decision);
    }
    return decision;
  }
}
