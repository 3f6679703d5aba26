import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { EcrRepository } from "../../components/aws/ecr-repository";
import { find, installMocks, settle, valueOf, type Registration } from "../helpers/mocks";

const created: Registration[] = [];
const ofComponent = (name: string): Registration[] =>
  created.filter((r) => r.name === name || r.name.startsWith(`${name}-`));

let plain: EcrRepository;
let prod: EcrRepository;

/**
 * Resource options (protect, retainOnDelete) never reach the mock's `newResource`, so record them
 * from the register requests the SDK sends to the mock monitor.
 */
interface RegisterRequest {
  getName(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
}
const resourceOptions = new Map<string, { protect: boolean; retainOnDelete: boolean }>();
function recordResourceOptions(): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => unknown };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    resourceOptions.set(req.getName(), { protect: req.getProtect(), retainOnDelete: req.getRetainondelete() });
    return original(req, cb);
  };
}

beforeAll(async () => {
  await installMocks(created);
  recordResourceOptions();
  plain = new EcrRepository("web", { name: "acme/web" });
  prod = new EcrRepository("api", {
    name: "acme/api",
    scanOnPush: false,
    imageTagMutability: "IMMUTABLE",
    encryptionType: "KMS",
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/abcd",
    lifecycle: { untaggedExpireDays: 3, keepTagged: 100 },
    pullAccountIds: ["111111111111", "222222222222"],
    forceDelete: true,
    retainOnDelete: true,
    protect: true,
    tags: { team: "platform" },
  });
  await valueOf(plain.repositoryUrl);
  await valueOf(prod.repositoryUrl);
  await settle();
});

describe("EcrRepository with defaults", () => {
  it("creates exactly the repository and its lifecycle policy", () => {
    expect(ofComponent("web").map((r) => `${r.type}::${r.name}`)).toEqual([
      "depot-buildkite:index:EcrRepository::web",
      "aws:ecr/repository:Repository::web",
      "aws:ecr/lifecyclePolicy:LifecyclePolicy::web-lifecycle",
    ]);
  });

  it("passes the default repository inputs", () => {
    expect(find(created, "aws:ecr/repository:Repository", "web").plain).toEqual({
      name: "acme/web",
      imageTagMutability: "MUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: false,
    });
  });

  it("attaches the default lifecycle policy to the repository", () => {
    const lc = find(created, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "web-lifecycle").plain;
    expect(lc.repository).toBe("acme/web");
    expect(JSON.parse(String(lc.policy))).toEqual({
      rules: [
        {
          rulePriority: 100,
          description: "Expire untagged images 14 days after push",
          selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
          action: { type: "expire" },
        },
      ],
    });
  });

  it("exposes the repository outputs", async () => {
    expect(await valueOf(plain.repositoryUrl)).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/web");
    expect(await valueOf(plain.repositoryArn)).toBe("arn:aws:ecr:eu-west-1:123456789012:repository/acme/web");
    expect(await valueOf(plain.repositoryName)).toBe("acme/web");
    expect(await valueOf(plain.registryId)).toBe("123456789012");
    expect(plain.repository).toBeDefined();
  });
});

describe("EcrRepository for production", () => {
  it("creates the repository, lifecycle and cross-account pull policy", () => {
    expect(ofComponent("api").map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        "depot-buildkite:index:EcrRepository::api",
        "aws:ecr/repository:Repository::api",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy::api-lifecycle",
        "aws:ecr/repositoryPolicy:RepositoryPolicy::api-pull",
      ].sort(),
    );
  });

  it("passes immutability, KMS, scanning, forceDelete and tags", () => {
    expect(find(created, "aws:ecr/repository:Repository", "api").plain).toEqual({
      name: "acme/api",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/abcd" }],
      forceDelete: true,
      tags: { team: "platform" },
    });
  });

  it("sets protect and retainOnDelete on the repository child only", () => {
    expect(resourceOptions.get("api")).toEqual({ protect: true, retainOnDelete: true });
    expect(resourceOptions.get("api-lifecycle")).toEqual({ protect: false, retainOnDelete: false });
    expect(resourceOptions.get("api-pull")).toEqual({ protect: false, retainOnDelete: false });
    expect(resourceOptions.get("web")).toEqual({ protect: false, retainOnDelete: false });
  });

  it("builds the lifecycle policy from the options", () => {
    const lc = JSON.parse(String(find(created, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "api-lifecycle").plain.policy));
    expect(lc.rules.map((r: { rulePriority: number; description: string }) => [r.rulePriority, r.description])).toEqual([
      [100, "Expire untagged images 3 days after push"],
      [101, "Keep the newest 100 tagged images"],
    ]);
  });

  it("grants pull to the other accounts' roots, partition from getPartition", () => {
    const policy = find(created, "aws:ecr/repositoryPolicy:RepositoryPolicy", "api-pull").plain;
    expect(policy.repository).toBe("acme/api");
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CrossAccountPull",
          Effect: "Allow",
          Principal: { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        },
      ],
    });
  });
});

describe("EcrRepository options", () => {
  it("skips the lifecycle policy when asked", async () => {
    const r = new EcrRepository("skip", { name: "acme/skip", lifecycle: { skip: true } });
    await valueOf(r.repositoryUrl);
    await settle();
    expect(ofComponent("skip").map((x) => x.type)).toEqual(["depot-buildkite:index:EcrRepository", "aws:ecr/repository:Repository"]);
  });

  it("carries no secrets", () => {
    expect(created.flatMap((r) => r.secretPaths)).toEqual([]);
  });

  it.each<[string, ConstructorParameters<typeof EcrRepository>[1], string]>([
    ["an invalid name", { name: "Acme/Web" }, '[name] must be lowercase letters and digits separated by single'],
    ["a short name", { name: "a" }, '[name] must be 2 to 256 characters long (got 1: "a")'],
    ["kmsKeyArn without KMS", { name: "ok-name", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/x" }, '[kmsKeyArn] is only allowed with encryptionType "KMS" (got encryptionType: "AES256")'],
    ["a bad account ID", { name: "ok-name", pullAccountIds: ["12345678901"] }, '[pullAccountIds] must be 12-digit AWS account IDs (got: "12345678901")'],
    ["a bad lifecycle", { name: "ok-name", lifecycle: { untaggedExpireDays: 0 } }, "[lifecycle.untaggedExpireDays] must be a positive whole number of days (got: 0)"],
  ])("refuses %s", (_, args, message) => {
    expect(() => new EcrRepository("bad", args)).toThrow(message);
  });

  it("names the component in the error", () => {
    expect(() => new EcrRepository("bad2", { name: "A" })).toThrow('EcrRepository "bad2" has invalid arguments:\n- [name] must be 2 to 256 characters long (got 1: "A")');
  });

  it("does not validate a name that is not known yet", async () => {
    const upstream = new EcrRepository("upstream", { name: "acme/upstream" });
    const r = new EcrRepository("derived", { name: upstream.repositoryName.apply((n) => `${n}-cache`) });
    expect(await valueOf(r.repositoryName)).toBe("acme/upstream-cache");
  });
});
