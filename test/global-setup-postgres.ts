// Starts one PostgreSQL cluster for the whole test run and hands its admin URI
// to test files via provide/inject; test/helpers/postgres.ts creates a fresh
// database per caller on it. Skipped when SKEINO_TEST_POSTGRES_URI names a server.
import type { TestProject } from "vitest/node";
import { startTestCluster } from "./helpers/postgres.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.SKEINO_TEST_POSTGRES_URI) {
    project.provide("postgresAdminUri", "");
    return async () => {};
  }
  const cluster = await startTestCluster();
  project.provide("postgresAdminUri", cluster.adminUri);
  return () => cluster.stop();
}
