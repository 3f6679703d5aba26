/**
 * Audit of a variant of Pulumi.dev.yaml that exercises what the examples do not: the `hook` secrets
 * backend (Secrets Manager, a generated agent environment hook uploaded to S3, a read policy on the
 * agent role) and configuration-only Depot (no organization token, a configured project token).
 */
import { vi } from "vitest";
import { auditStack } from "./support";

vi.mock("../../src/mock-recorder", async (importOriginal) =>
  (await import("./partition.js")).foreignPartition(await importOriginal<typeof import("../../src/mock-recorder")>()),
);

auditStack("dev", {
  variant: "hook backend, no Depot organization token",
  configOverrides: {
    "depot-buildkite:secrets": JSON.stringify({
      backend: "hook",
      hook: {
        namePrefix: "buildkite/",
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/0b5c2c2e-2222-4c3d-9a8b-0123456789ab",
        upload: { bucket: "acme-agent-hooks" },
        agentRoleName: "acme-buildkite-agent-role",
      },
    }),
  },
  secrets: ["dockerhubToken", "depotToken"],
});
