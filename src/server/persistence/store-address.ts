// Store addresses (namespace + key) both backends can keep and give back
// unchanged, checked by the routes and by the PostgreSQL store itself. Both
// join labels with ":"; PostgreSQL's btree index entry must stay under ~2,700
// bytes (a 10,000-character key failed with "index row requires 10048 bytes").
import { unprocessable } from "../errors.ts";

export const MAX_STORE_KEY_BYTES = 1024;
export const MAX_STORE_NAMESPACE_BYTES = 1024;
export const MAX_STORE_NAMESPACE_LABELS = 100;

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * A store address both backends can keep and give back unchanged: labels
 * non-empty, without "." (the API's separator) or ":" (how PostgreSQL joins
 * them), and key and namespace within the index's limit.
 */
export function checkStoreNamespace(namespace: readonly string[]): void {
  if (namespace.length > MAX_STORE_NAMESPACE_LABELS) {
    throw unprocessable(`Namespace has ${namespace.length} labels; at most ${MAX_STORE_NAMESPACE_LABELS} are allowed`);
  }
  for (const label of namespace) {
    if (label === "" || label.includes("."))
      throw unprocessable(`Namespace labels cannot be empty or contain periods. Received: ${JSON.stringify(namespace).slice(0, 200)}`);
    if (label.includes(":")) throw unprocessable(`Namespace labels cannot contain ':'. Received: ${JSON.stringify(label).slice(0, 200)}`);
  }
  const bytes = utf8Bytes(namespace.join(":"));
  if (bytes > MAX_STORE_NAMESPACE_BYTES) {
    throw unprocessable(`Namespace is ${bytes} bytes long (UTF-8, labels joined); at most ${MAX_STORE_NAMESPACE_BYTES} are allowed`);
  }
}

export function checkStoreKey(key: string): void {
  const bytes = utf8Bytes(key);
  if (bytes > MAX_STORE_KEY_BYTES) throw unprocessable(`Store key is ${bytes} bytes long (UTF-8); at most ${MAX_STORE_KEY_BYTES} are allowed`);
}
