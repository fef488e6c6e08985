import { defineConfig } from "vitest/config";

// Server and Studio-host tests. They start real servers (port 0), real child
// processes and a real PostgreSQL, so files run in parallel only up to the
// machine's two cores.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // One PostgreSQL cluster for the run; test files create databases on it.
    globalSetup: ["test/global-setup-postgres.ts"],
  },
});
