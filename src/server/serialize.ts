// JSON for the wire, as the reference server writes it: LangChain objects
// (messages, documents) become `{...data, type}` through their toDict().
export function serializeJson(value: unknown): string {
  return (
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      if (raw !== null && typeof raw === "object" && typeof (raw as { toDict?: unknown }).toDict === "function") {
        const { type, data } = (raw as { toDict(): { type: string; data: Record<string, unknown> } }).toDict();
        return { ...data, type };
      }
      if (typeof v === "bigint") return v.toString();
      return v;
    }) ?? "null"
  );
}

export function serializeError(error: unknown): { error: string; message: string } {
  if (error instanceof Error) return { error: error.name, message: error.message };
  if (typeof error === "object" && error !== null && "message" in error) {
    const e = error as { name?: unknown; message: unknown };
    return { error: typeof e.name === "string" ? e.name : "Error", message: String(e.message) };
  }
  return { error: "Error", message: JSON.stringify(error) ?? String(error) };
}
