// The shared MetadataStore contract against the memory backend.
import { MemoryMetadataStore } from "../../../src/server/persistence/memory/metadata-store.ts";
import { runMetadataStoreContract } from "./contract.ts";

runMetadataStoreContract("memory", async () => ({ store: new MemoryMetadataStore(), cleanup: async () => {} }));
