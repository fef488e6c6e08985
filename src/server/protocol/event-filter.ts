// Which events a stream or subscription wants: channels, namespace prefixes
// and depth, as the protocol defines the match (`custom` also takes every
// `custom:<name>`; a prefix segment without ":" matches any task suffix;
// depth counts levels below the prefix).
import { isPrefixMatch, isSupportedChannel } from "@langchain/langgraph/stream";
import type { ThreadEvent } from "../persistence/types.ts";
import { invalidArgument } from "./errors.ts";

export interface EventFilter {
  channels: string[];
  namespaces?: string[][];
  depth?: number;
}

export function matchesFilter(event: Pick<ThreadEvent, "channel" | "namespace">, filter: EventFilter): boolean {
  const { channel } = event;
  if (!(filter.channels.includes(channel) || (channel.startsWith("custom:") && filter.channels.includes("custom")))) return false;
  const prefixes = filter.namespaces;
  if (!prefixes || prefixes.length === 0) return true;
  return prefixes.some(
    (prefix) => isPrefixMatch(event.namespace, prefix) && (filter.depth === undefined || event.namespace.length - prefix.length <= filter.depth),
  );
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Validates a filter from a request body or command params; unknown keys are allowed (the protocol is extensible). */
export function parseFilter(raw: unknown): EventFilter & { since?: number } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw invalidArgument("Expected an object with channels, and optionally namespaces, depth and since.");
  const p = raw as Record<string, unknown>;
  if (!isStringArray(p.channels) || p.channels.length === 0) throw invalidArgument("channels must be a non-empty array of channel names.");
  const unknown = p.channels.filter((c) => !isSupportedChannel(c));
  if (unknown.length)
    throw invalidArgument(
      `Unknown channel${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => JSON.stringify(c)).join(", ")}: use values, updates, messages, tools, lifecycle, input, checkpoints, tasks, custom or custom:<name>.`,
    );
  if (p.namespaces !== undefined && p.namespaces !== null && !(Array.isArray(p.namespaces) && p.namespaces.every(isStringArray))) {
    throw invalidArgument("namespaces must be an array of namespaces (arrays of strings).");
  }
  for (const key of ["depth", "since"] as const) {
    const v = p[key];
    if (v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 0)) throw invalidArgument(`${key} must be an integer >= 0.`);
  }
  return {
    channels: [...new Set(p.channels)],
    ...(Array.isArray(p.namespaces) ? { namespaces: p.namespaces as string[][] } : {}),
    ...(typeof p.depth === "number" ? { depth: p.depth } : {}),
    ...(typeof p.since === "number" ? { since: p.since } : {}),
  };
}

/** The event as it goes on the wire (SSE data line or WebSocket frame). */
export function eventEnvelope(e: ThreadEvent): string {
  return `{"type":"event","event_id":"${e.seq}","seq":${e.seq},"method":${JSON.stringify(e.method)},"params":${e.params}}`;
}
