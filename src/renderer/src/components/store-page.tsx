// The Memory page: the long-term store. Namespaces as a tree on the left;
// the items under the selected namespace (prefix), searched by a JSON filter
// and a query (semantic where the store has an index), paged; an item's value
// as a JSON tree, edited as JSON, deleted after confirmation; new items put
// into any namespace. The namespace is in the URL (#/memory/<parts>).
import type { Item } from "@langchain/langgraph-sdk";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useServerClient } from "../host/host-context.tsx";
import { errorMessage, parseJsonField, timeAgo } from "../lib/format.ts";
import { parseMetadataFilter } from "../lib/metadata-filter.ts";
import { type NamespaceNode, namespaceTree, parseNamespace } from "../lib/namespace-tree.ts";
import { serverKeys } from "../lib/query-keys.ts";
import { useRoute } from "../lib/route.ts";
import { JsonTree } from "./json-tree.tsx";

const PAGE = 50;
// Namespaces are few next to items; one page of them draws the tree.
const NAMESPACE_LIMIT = 1000;

const itemId = (it: Pick<Item, "namespace" | "key">) => `${it.namespace.join("/")}/${it.key}`;

export function StorePage() {
  const { client, bootId } = useServerClient();
  const keys = serverKeys(bootId);
  const [route, navigate] = useRoute();
  const namespace = route.namespace;
  const [filterText, setFilterText] = useState("");
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const namespaces = useQuery({
    queryKey: keys.namespaces(),
    queryFn: ({ signal }) => client!.store.listNamespaces({ limit: NAMESPACE_LIMIT, signal }),
    enabled: !!client,
  });
  const tree = namespaceTree(namespaces.data?.namespaces ?? []);

  let filter: Record<string, unknown> | undefined;
  let filterError: string | null = null;
  try {
    filter = parseMetadataFilter(filterText) ?? undefined;
  } catch (err) {
    filterError = errorMessage(err);
  }
  const filters = { filter: filterError ? "" : filterText.trim(), query: query.trim(), page };
  const items = useQuery({
    queryKey: keys.storeItems(namespace, filters),
    queryFn: async ({ signal }) => {
      const started = performance.now();
      const res = await client!.store.searchItems(namespace, {
        filter,
        query: filters.query || undefined,
        limit: PAGE + 1,
        offset: page * PAGE,
        signal,
      });
      return { ...res, ms: performance.now() - started };
    },
    enabled: !!client,
    placeholderData: keepPreviousData,
  });
  const rows = (items.data?.items ?? []).slice(0, PAGE);
  const hasMore = (items.data?.items.length ?? 0) > PAGE;
  const current = rows.find((it) => itemId(it) === selected) ?? null;

  const openNamespace = (ns: string[]) => {
    setPage(0);
    setSelected(null);
    setCreating(false);
    navigate({ page: "memory", namespace: ns });
  };

  return (
    <div className="body store-page">
      <aside className="sidebar" aria-label="Namespaces">
        <div className="sidebar-head">
          <h3>Namespaces</h3>
          <button
            type="button"
            className="btn small primary"
            onClick={() => {
              setCreating(true);
              setSelected(null);
            }}
          >
            New item
          </button>
        </div>
        <div className="ns-tree" role="tree" aria-label="Namespace tree">
          <button
            type="button"
            role="treeitem"
            aria-selected={namespace.length === 0}
            className={`ns-row${namespace.length === 0 ? " selected" : ""}`}
            onClick={() => openNamespace([])}
          >
            (all namespaces)
          </button>
          {tree.map((n) => (
            <NamespaceBranch key={n.label} node={n} depth={0} selected={namespace} onOpen={openNamespace} />
          ))}
          {namespaces.isSuccess && tree.length === 0 && <p className="muted small empty-list">The store is empty.</p>}
        </div>
        {namespaces.error && (
          <p role="alert" className="error-text small">
            {errorMessage(namespaces.error)}
          </p>
        )}
      </aside>
      <main className="main store-main">
        <div className="store-search">
          <span className="muted small">
            in <code aria-label="Selected namespace">{namespace.length ? namespace.join(" / ") : "all namespaces"}</code>
          </span>
          <input
            aria-label="Filter items"
            placeholder='filter: key=value or {"kind":"note"}'
            value={filterText}
            onChange={(e) => {
              setFilterText(e.target.value);
              setPage(0);
            }}
          />
          <input
            type="search"
            aria-label="Search query"
            placeholder="query (semantic search where the store has an index)"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setPage(0);
            }}
          />
        </div>
        {(filterError || items.error) && (
          <p role="alert" className="error-text small store-alert">
            {filterError ?? errorMessage(items.error)}
          </p>
        )}
        <div className="store-body">
          <div className="store-items">
            <div className="store-scroll">
              <table className="grid store-table" aria-label="Store items">
                <thead>
                  <tr>
                    <th>namespace</th>
                    <th>key</th>
                    <th>updated</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((it) => (
                    <tr
                      key={itemId(it)}
                      className={selected === itemId(it) ? "selected" : undefined}
                      aria-selected={selected === itemId(it)}
                      onClick={() => {
                        setCreating(false);
                        setSelected(itemId(it));
                      }}
                    >
                      <td className="muted">{it.namespace.join(" / ")}</td>
                      <td>
                        <button type="button" className="link" aria-label={`Item ${it.key}`} onClick={() => setSelected(itemId(it))}>
                          {it.key}
                        </button>
                      </td>
                      <td className="muted small">{timeAgo(it.updatedAt)}</td>
                    </tr>
                  ))}
                  {items.isSuccess && rows.length === 0 && (
                    <tr>
                      <td colSpan={3} className="muted">
                        No items here.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
            <div className="row pager">
              <button type="button" className="btn small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
                Previous
              </button>
              <span className="muted small" aria-label="Item page">
                page {page + 1}
                {items.data ? ` · ${rows.length} items · ${Math.round(items.data.ms)} ms` : ""}
              </span>
              <button type="button" className="btn small" disabled={!hasMore} onClick={() => setPage((p) => p + 1)}>
                Next
              </button>
            </div>
          </div>
          <div className="store-detail">
            {creating ? (
              <ItemEditor
                key="new"
                initialNamespace={namespace}
                onDone={(ns, key) => {
                  setCreating(false);
                  openNamespace(ns);
                  setSelected(`${ns.join("/")}/${key}`);
                }}
              />
            ) : current ? (
              <ItemDetail key={itemId(current)} item={current} onDeleted={() => setSelected(null)} />
            ) : (
              <p className="muted small">Select an item to see its value, or press New item.</p>
            )}
          </div>
        </div>
      </main>
    </div>
  );
}

function NamespaceBranch({
  node,
  depth,
  selected,
  onOpen,
}: {
  node: NamespaceNode;
  depth: number;
  selected: string[];
  onOpen: (ns: string[]) => void;
}) {
  const isSelected = node.path.join("\u0000") === selected.join("\u0000");
  const [open, setOpen] = useState(depth < 1 || selected.slice(0, node.path.length).join("\u0000") === node.path.join("\u0000"));
  return (
    <div role="group" aria-label={node.path.join(" / ")}>
      <div className="ns-line" style={{ paddingLeft: 8 + depth * 14 }}>
        {node.children.length > 0 ? (
          <button
            type="button"
            className="ns-fold"
            aria-label={`${open ? "Collapse" : "Expand"} ${node.path.join(" / ")}`}
            aria-expanded={open}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? "▾" : "▸"}
          </button>
        ) : (
          <span className="ns-fold" />
        )}
        <button
          type="button"
          role="treeitem"
          aria-selected={isSelected}
          aria-label={`Namespace ${node.path.join(" / ")}`}
          className={`ns-row${isSelected ? " selected" : ""}${node.own ? "" : " muted"}`}
          onClick={() => onOpen(node.path)}
        >
          {node.label}
        </button>
      </div>
      {open && node.children.map((c) => <NamespaceBranch key={c.label} node={c} depth={depth + 1} selected={selected} onOpen={onOpen} />)}
    </div>
  );
}

function useInvalidateStore() {
  const { bootId } = useServerClient();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: serverKeys(bootId).store() });
}

function ItemDetail({ item, onDeleted }: { item: Item; onDeleted: () => void }) {
  const { client } = useServerClient();
  const invalidate = useInvalidateStore();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(() => JSON.stringify(item.value, null, 2));
  const save = useMutation({
    mutationFn: async () => {
      const value = parseJsonField(text, "Value");
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("Value must be a JSON object");
      await client!.store.putItem(item.namespace, item.key, value as Record<string, unknown>);
    },
    onSuccess: async () => {
      setEditing(false);
      await invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: () => client!.store.deleteItem(item.namespace, item.key),
    onSuccess: async () => {
      onDeleted();
      await invalidate();
    },
  });
  return (
    <section aria-label="Item" className="item-detail">
      <div className="row">
        <h2>
          <code aria-label="Item key">{item.key}</code>
        </h2>
        <span className="muted small">
          {item.namespace.join(" / ")} · created {timeAgo(item.createdAt)} · updated {timeAgo(item.updatedAt)}
        </span>
        <div className="spacer" />
        {!editing && (
          <button type="button" className="btn small" onClick={() => setEditing(true)}>
            Edit item
          </button>
        )}
        <button
          type="button"
          className="btn small danger"
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Delete item "${item.key}" from ${item.namespace.join(" / ")}?`)) remove.mutate();
          }}
        >
          Delete item
        </button>
      </div>
      {editing ? (
        <>
          <label className="field">
            <span>Value (JSON)</span>
            <textarea aria-label="Item value (JSON)" spellCheck={false} rows={12} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <div className="row">
            <button type="button" className="btn primary" disabled={save.isPending} onClick={() => save.mutate()}>
              Save item
            </button>
            <button type="button" className="btn ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <JsonTree label="Item value" value={item.value} openDepth={2} />
      )}
      {(save.error || remove.error) && (
        <p role="alert" className="error-text">
          {errorMessage(save.error ?? remove.error)}
        </p>
      )}
    </section>
  );
}

function ItemEditor({ initialNamespace, onDone }: { initialNamespace: string[]; onDone: (namespace: string[], key: string) => void }) {
  const { client } = useServerClient();
  const invalidate = useInvalidateStore();
  const [ns, setNs] = useState(initialNamespace.join("/"));
  const [key, setKey] = useState("");
  const [text, setText] = useState("{\n  \n}");
  const put = useMutation({
    mutationFn: async () => {
      const namespace = parseNamespace(ns);
      if (namespace.length === 0) throw new Error("Namespace is required, e.g. users/ann");
      if (!key.trim()) throw new Error("Key is required");
      const value = parseJsonField(text, "Value");
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("Value must be a JSON object");
      await client!.store.putItem(namespace, key.trim(), value as Record<string, unknown>);
      return { namespace, key: key.trim() };
    },
    onSuccess: async (r) => {
      await invalidate();
      onDone(r.namespace, r.key);
    },
  });
  return (
    <form
      aria-label="New item"
      className="item-detail"
      onSubmit={(e) => {
        e.preventDefault();
        put.mutate();
      }}
    >
      <h2>New item</h2>
      <label className="field">
        <span>Namespace (parts separated by /)</span>
        <input aria-label="Namespace" value={ns} placeholder="users/ann/memories" onChange={(e) => setNs(e.target.value)} />
      </label>
      <label className="field">
        <span>Key</span>
        <input aria-label="Key" value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <label className="field">
        <span>Value (JSON object)</span>
        <textarea aria-label="Item value (JSON)" spellCheck={false} rows={8} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {put.error && (
        <p role="alert" className="error-text">
          {errorMessage(put.error)}
        </p>
      )}
      <button type="submit" className="btn primary" disabled={put.isPending}>
        Put item
      </button>
    </form>
  );
}
