// Errors are values with a code: the PostgreSQL backend names its own
// failures (BackendUnavailableError, PostgresSetupError), the HTTP handler maps
// those codes and never reads a driver's SQLSTATE or message itself, and the
// Studio explains a failed connection with the server's own explainer.
import { afterEach, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance } from "fastify";
import { BackendUnavailableError, HttpError, describePostgresError, PostgresSetupError, redactUri, uriParts } from "../../src/server/index.ts";
import { explainRuntimeError } from "../../src/server/persistence/postgres/errors.ts";
import { installErrorHandler } from "../../src/server/http/error-handler.ts";
import { createLogger } from "../../src/server/logger.ts";
import { testPostgresConnection } from "../../src/main/host.ts";

const driverError = (code: string | undefined, message: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe("the PostgreSQL backend's runtime errors", () => {
  it.each([
    ["57P01", "terminating connection due to administrator command"],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"],
    ["08006", "connection failure"],
    [undefined, "Connection terminated unexpectedly"],
  ])("%s is BACKEND_UNAVAILABLE (503)", (code, message) => {
    const coded = explainRuntimeError(driverError(code, message));
    expect(coded).toBeInstanceOf(BackendUnavailableError);
    expect({ code: coded?.code, status: coded?.status }).toEqual({ code: "BACKEND_UNAVAILABLE", status: 503 });
    expect(coded?.message).toMatch(/^PostgreSQL is unavailable/);
    expect(coded?.cause).toBeInstanceOf(Error);
  });

  it("leaves other failures alone (a syntax error is a bug, not an outage)", () => {
    expect(explainRuntimeError(driverError("42601", 'syntax error at or near "SELEC"'))).toBeUndefined();
    expect(explainRuntimeError("not an error")).toBeUndefined();
  });

  it("setup errors are HttpErrors with skeino's code and their status", () => {
    const error = describePostgresError(driverError("28P01", 'password authentication failed for user "app"'), "postgres://app:Pw-77@db:5432/app");
    expect(error).toBeInstanceOf(PostgresSetupError);
    expect(error).toBeInstanceOf(HttpError);
    expect({ code: error.code, status: error.status, driver: error.driverError?.code }).toEqual({
      code: "PG_AUTH_FAILED",
      status: 500,
      driver: "28P01",
    });
    expect(error.message).toContain("PostgreSQL rejected the password for user 'app' at db:5432 (28P01)");
    expect(error.message).not.toContain("Pw-77");
  });
});

describe("the HTTP error handler maps codes", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function answer(thrown: Error, explain?: (error: unknown) => HttpError | undefined) {
    app = Fastify({ logger: false });
    installErrorHandler(app, createLogger("silent"), explain);
    app.get("/", async () => {
      throw thrown;
    });
    const res = await app.inject({ method: "GET", url: "/" });
    return { status: res.statusCode, body: res.body };
  }

  it("a coded backend error is its status and message", async () => {
    const res = await answer(new BackendUnavailableError("PostgreSQL is unavailable (x)"));
    expect(res).toEqual({ status: 503, body: "PostgreSQL is unavailable (x)" });
  });

  it("a driver error becomes a 503 only through the backend's explainer, never by its SQLSTATE alone", async () => {
    const outage = driverError("57P01", "terminating connection due to administrator command");
    expect((await answer(outage, explainRuntimeError)).status).toBe(503);
    await app?.close();
    expect((await answer(outage)).status).toBe(500);
  });

  it("a setup error keeps its own status", async () => {
    const res = await answer(new PostgresSetupError("PG_SCHEMA_MISSING", "tables missing", 500));
    expect(res).toEqual({ status: 500, body: "tables missing" });
  });
});

describe("one URI parser and one explainer for the server and the Studio", () => {
  it("parts and redaction", () => {
    expect(uriParts("postgres://app:p%40ss@db.example:6543/orders")).toEqual({ host: "db.example", port: "6543", database: "orders", user: "app" });
    expect(uriParts("postgresql://app@db")).toEqual({ host: "db", port: "5432", database: "app", user: "app" });
    expect(redactUri("postgres://app:p%40ss@db/orders?password=also")).toBe("postgres://app:***@db/orders?password=***");
  });

  it("the Studio's connection test words a refusal as `skeino serve` does", async () => {
    const uri = "postgres://app:Refused-pw9@127.0.0.1:1/app";
    const check = await testPostgresConnection(uri);
    const server = describePostgresError(driverError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), uri);
    expect(check).toMatchObject({ ok: false, code: "ECONNREFUSED", message: server.message });
    expect(check.message).toMatch(/^Nothing is listening at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(check.message).not.toContain("Refused-pw9");
  });
});
