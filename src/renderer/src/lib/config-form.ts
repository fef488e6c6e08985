// The assistant config form, derived from the graph's config JSON schema
// (GET /assistants/{id}/schemas): one field per top-level property of
// `configurable`. A schema the form cannot express falls back to raw JSON.
export type ConfigFieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

export interface ConfigField {
  key: string;
  kind: ConfigFieldKind;
  title: string;
  description?: string;
  options?: string[];
}

/** What the form holds per field: the text typed (or the checkbox). */
export type FieldDraft = string | boolean;

interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
}

function asNode(value: unknown): JsonSchemaNode | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonSchemaNode) : null;
}

function kindOf(node: JsonSchemaNode): Pick<ConfigField, "kind" | "options"> {
  if (Array.isArray(node.enum) && node.enum.every((v) => typeof v === "string")) return { kind: "enum", options: node.enum as string[] };
  // Optional fields arrive as `anyOf: [T, null]` or `type: [T, "null"]`.
  const types = (
    Array.isArray(node.type)
      ? node.type
      : node.type
        ? [node.type]
        : (node.anyOf ?? []).flatMap((n) => (Array.isArray(n.type) ? n.type : n.type ? [n.type] : []))
  ).filter((t) => t !== "null");
  if (types.length === 1 && ["string", "number", "integer", "boolean"].includes(types[0]!)) return { kind: types[0] as ConfigFieldKind };
  return { kind: "json" };
}

/**
 * The fields of a config schema, or null when there is nothing to render as a form
 * (no schema, or no properties): the editor then shows raw JSON only.
 */
export function configFields(schema: unknown): ConfigField[] | null {
  const root = asNode(schema);
  // Some servers nest the fields under `configurable`; LangGraph.js sends them at the top.
  const props = asNode(root?.properties?.configurable)?.properties ?? root?.properties;
  if (!props || Object.keys(props).length === 0) return null;
  return Object.entries(props).map(([key, node]) => ({
    key,
    title: node.title ?? key,
    ...(node.description ? { description: node.description } : {}),
    ...kindOf(node),
  }));
}

/** The form's starting drafts from an assistant's `configurable`. */
export function draftsFrom(fields: ConfigField[], configurable: Record<string, unknown>): Record<string, FieldDraft> {
  const out: Record<string, FieldDraft> = {};
  for (const f of fields) {
    const v = configurable[f.key];
    if (f.kind === "boolean") out[f.key] = v === true;
    else if (v === undefined || v === null) out[f.key] = "";
    else if (f.kind === "json") out[f.key] = JSON.stringify(v, null, 2);
    else out[f.key] = String(v);
  }
  return out;
}

/**
 * Back from drafts to `configurable`: empty fields are left out (the graph's
 * default applies), keys the schema does not know are kept as they were.
 * Throws a message naming the field when a value does not parse.
 */
export function configurableFrom(
  fields: ConfigField[],
  drafts: Record<string, FieldDraft>,
  previous: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...previous };
  for (const f of fields) {
    const d = drafts[f.key];
    delete out[f.key];
    if (f.kind === "boolean") {
      if (d === true) out[f.key] = true;
      else if (previous[f.key] === false) out[f.key] = false;
      continue;
    }
    const text = typeof d === "string" ? d.trim() : "";
    if (!text) continue;
    if (f.kind === "number" || f.kind === "integer") {
      const n = Number(text);
      if (!Number.isFinite(n) || (f.kind === "integer" && !Number.isInteger(n)))
        throw new Error(`${f.title} must be ${f.kind === "integer" ? "an integer" : "a number"}`);
      out[f.key] = n;
    } else if (f.kind === "json") {
      try {
        out[f.key] = JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${f.title} is not valid JSON`);
      }
    } else out[f.key] = typeof d === "string" ? d : text;
  }
  return out;
}
