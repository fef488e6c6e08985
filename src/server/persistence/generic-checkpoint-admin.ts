// CheckpointAdmin for a checkpointer we know only through BaseCheckpointSaver
// (a user's custom saver): everything through the public saver API.
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import type { CheckpointAdmin } from "./types.ts";

export class GenericCheckpointAdmin implements CheckpointAdmin {
  constructor(private readonly saver: BaseCheckpointSaver) {}

  async deleteThread(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  // The saver API cannot delete single checkpoints: a rolled-back run's
  // checkpoints stay in history, though the thread no longer points at them.
  async deleteRun(): Promise<void> {}

  async copyThread(sourceThreadId: string, targetThreadId: string): Promise<void> {
    const tuples = [];
    for await (const tuple of this.saver.list({ configurable: { thread_id: sourceThreadId } })) tuples.push(tuple);
    // Oldest first, so every parent exists before its child.
    for (const tuple of tuples.reverse()) {
      const ns = (tuple.config.configurable?.checkpoint_ns as string | undefined) ?? "";
      const parentId = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
      const config = { configurable: { thread_id: targetThreadId, checkpoint_ns: ns, ...(parentId ? { checkpoint_id: parentId } : {}) } };
      const saved = await this.saver.put(
        config,
        tuple.checkpoint,
        tuple.metadata ?? { source: "update", step: -1, parents: {} },
        tuple.checkpoint.channel_versions,
      );
      const byTask = new Map<string, [string, unknown][]>();
      for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
        byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
      }
      for (const [taskId, writes] of byTask) await this.saver.putWrites(saved, writes, taskId);
    }
  }

  // Same limit as deleteRun: a saver known only by its API keeps its history.
  async pruneToLatest(): Promise<number> {
    return 0;
  }

  async truncate(): Promise<void> {}
}
