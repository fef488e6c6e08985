// The store's namespaces (lists of labels, as /store/namespaces returns them)
// as a tree: ["users","ann","memories"] sits under users > ann.
export interface NamespaceNode {
  label: string;
  path: string[];
  /** True when items live in exactly this namespace (not only below it). */
  own: boolean;
  children: NamespaceNode[];
}

export function namespaceTree(namespaces: string[][]): NamespaceNode[] {
  const roots: NamespaceNode[] = [];
  for (const ns of namespaces) {
    let level = roots;
    ns.forEach((label, i) => {
      let node = level.find((n) => n.label === label);
      if (!node) {
        node = { label, path: ns.slice(0, i + 1), own: false, children: [] };
        level.push(node);
      }
      if (i === ns.length - 1) node.own = true;
      level = node.children;
    });
  }
  const sort = (nodes: NamespaceNode[]) => {
    nodes.sort((a, b) => a.label.localeCompare(b.label));
    for (const n of nodes) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** "users/ann" <-> ["users","ann"]: how the user types a namespace. */
export function parseNamespace(text: string): string[] {
  return text
    .split(/[/.]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
