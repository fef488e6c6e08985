// CheckpointAdmin over LangGraph's MemorySaver: its storage is two nested
// records keyed by thread, namespace and checkpoint id, which we edit directly.
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointAdmin } from "../types.ts";

type WriteKey = [threadId: string, ns: string, checkpointId: string];

export class MemoryCheckpointAdmin implements CheckpointAdmin {
  constructor(private readonly saver: MemorySaver) {}

  async deleteThread(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  async deleteRun(threadId: string, runId: string): Promise<void> {
    const namespaces = this.saver.storage[threadId];
    if (!namespaces) return;
    for (const [ns, checkpoints] of Object.entries(namespaces)) {
      for (const [checkpointId, [, metadata]] of Object.entries(checkpoints)) {
        const meta = (await this.saver.serde.loadsTyped("json", metadata)) as { run_id?: string } | undefined;
        if (meta?.run_id !== runId) continue;
        delete checkpoints[checkpointId];
        delete this.saver.writes[JSON.stringify([threadId, ns, checkpointId])];
      }
      // MemorySaver reads "the newest key" of a namespace: an empty one breaks it.
      if (Object.keys(checkpoints).length === 0) delete namespaces[ns];
    }
    if (Object.keys(namespaces).length === 0) delete this.saver.storage[threadId];
  }

  async copyThread(sourceThreadId: string, targetThreadId: string): Promise<void> {
    const namespaces = this.saver.storage[sourceThreadId];
    if (!namespaces) return;
    const copy: typeof namespaces = Object.create(null);
    for (const [ns, checkpoints] of Object.entries(namespaces)) {
      copy[ns] = Object.create(null);
      for (const [id, entry] of Object.entries(checkpoints)) copy[ns][id] = [...entry] as typeof entry;
    }
    this.saver.storage[targetThreadId] = copy;
    for (const [key, writes] of Object.entries(this.saver.writes)) {
      const [threadId, ns, checkpointId] = JSON.parse(key) as WriteKey;
      if (threadId !== sourceThreadId) continue;
      const rewritten: typeof writes = Object.create(null);
      for (const [inner, write] of Object.entries(writes)) rewritten[inner] = [...write] as typeof write;
      this.saver.writes[JSON.stringify([targetThreadId, ns, checkpointId])] = rewritten;
    }
  }

  async pruneToLatest(threadId: string): Promise<number> {
    const namespaces = this.saver.storage[threadId];
    if (!namespaces) return 0;
    let pruned = 0;
    for (const [ns, checkpoints] of Object.entries(namespaces)) {
      // Checkpoint ids are uuid6: the greatest is the newest.
      const ids = Object.keys(checkpoints).sort();
      for (const id of ids.slice(0, -1)) {
        delete checkpoints[id];
        delete this.saver.writes[JSON.stringify([threadId, ns, id])];
        pruned += 1;
      }
    }
    return pruned;
  }

  async truncate(): Promise<void> {
    this.saver.storage = Object.create(null);
    this.saver.writes = Object.create(null);
  }
}
