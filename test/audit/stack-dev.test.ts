/** Audit of the example stack Pulumi.dev.yaml (one file per stack: see support.ts and coverage.test.ts). */
import { vi } from "vitest";
import { auditStack } from "./support";

vi.mock("../../src/mock-recorder", async (importOriginal) =>
  (await import("./partition.js")).foreignPartition(await importOriginal<typeof import("../../src/mock-recorder")>()),
);

auditStack("dev");
