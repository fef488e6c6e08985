// Which items a store read refreshes (TTL refresh on read): what get and
// search operations returned, unless the operation carries `refreshTtl:
// false` (the API's refresh_ttl), else the store's refresh_on_read setting.
// LangGraph's operation types have no such field; ours travels as an extra one.
import type { Item, Operation } from "@langchain/langgraph-checkpoint";
import type { ItemKey } from "./ttl-store.ts";

export type RefreshableOperation = Operation & { refreshTtl?: boolean | null };

const isGet = (op: Operation) => "key" in op && "namespace" in op && !("value" in op);
const isSearch = (op: Operation) => "namespacePrefix" in op;

export function itemsToRefresh(operations: readonly Operation[], results: readonly unknown[], refreshOnRead: boolean): ItemKey[] {
  const keys: ItemKey[] = [];
  operations.forEach((op, i) => {
    if (!(isGet(op) || isSearch(op))) return;
    if (!((op as RefreshableOperation).refreshTtl ?? refreshOnRead)) return;
    const result = results[i];
    const items = (Array.isArray(result) ? result : result ? [result] : []) as Item[];
    for (const item of items) keys.push({ namespace: item.namespace, key: item.key });
  });
  return keys;
}
