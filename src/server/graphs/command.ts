// An API `command` (resume / update / goto, goto naming nodes or Sends) as
// LangGraph's Command: the input of a run (runs/executor.ts) and of a
// superstep written into a new thread (threads/thread-service.ts).
import { Command, Send } from "@langchain/langgraph";
import type { Run } from "../persistence/types.ts";

interface RunSendInput {
  node: string;
  input?: unknown;
}

export function toCommand(command: NonNullable<Run["kwargs"]["command"]>): Command {
  const rawGoto = command.goto;
  const goto = rawGoto == null ? undefined : Array.isArray(rawGoto) ? rawGoto : [rawGoto];
  return new Command({
    goto: goto?.map((item) => (typeof item === "string" ? item : new Send((item as RunSendInput).node, (item as RunSendInput).input))),
    update: command.update as Record<string, unknown> | undefined,
    resume: command.resume,
  });
}
