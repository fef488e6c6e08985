// The vitest config of `skeino validate-checkpointer`: only the validation
// spec, none of the repo's test setup (no test PostgreSQL cluster).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/server/checkpointer-validation.spec.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
