import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { BuildkiteOidcProvider } from "../../components/aws/buildkite-oidc-provider";
import { find, installMocks, settle, valueOf, type Registration } from "../helpers/mocks";

const created: Registration[] = [];
const EXISTING = "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com";

let createdProvider: BuildkiteOidcProvider;
let imported: BuildkiteOidcProvider;
let pinned: BuildkiteOidcProvider;

beforeAll(async () => {
  await installMocks(created);
  createdProvider = new BuildkiteOidcProvider("buildkite");
  imported = new BuildkiteOidcProvider("shared", { existingProviderArn: EXISTING });
  pinned = new BuildkiteOidcProvider("pinned", {
    thumbprints: ["ABCDEF0123456789ABCDEF0123456789ABCDEF01"],
    tags: { owner: "platform" },
  });
  await Promise.all([valueOf(createdProvider.providerArn), valueOf(imported.providerArn), valueOf(pinned.providerArn)]);
  await settle();
});

describe("BuildkiteOidcProvider", () => {
  it("creates one provider for agent.buildkite.com with audience sts.amazonaws.com and no thumbprint", () => {
    expect(find(created, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "buildkite").plain).toEqual({
      url: "https://agent.buildkite.com",
      clientIdLists: ["sts.amazonaws.com"],
    });
    expect(createdProvider.oidcProvider).toBeDefined();
  });

  it("outputs the provider ARN", async () => {
    expect(await valueOf(createdProvider.providerArn)).toBe(EXISTING);
  });

  it("imports by ARN without creating anything", async () => {
    expect(created.filter((r) => r.name === "shared").map((r) => r.type)).toEqual(["depot-buildkite:index:BuildkiteOidcProvider"]);
    expect(imported.oidcProvider).toBeUndefined();
    expect(await valueOf(imported.providerArn)).toBe(EXISTING);
  });

  it("pins thumbprints (lower-cased) and tags when asked", () => {
    expect(find(created, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pinned").plain).toEqual({
      url: "https://agent.buildkite.com",
      clientIdLists: ["sts.amazonaws.com"],
      thumbprintLists: ["abcdef0123456789abcdef0123456789abcdef01"],
      tags: { owner: "platform" },
    });
  });

  it("registers exactly two providers and three components, and no secrets", () => {
    expect(created.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        "depot-buildkite:index:BuildkiteOidcProvider::buildkite",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider::buildkite",
        "depot-buildkite:index:BuildkiteOidcProvider::shared",
        "depot-buildkite:index:BuildkiteOidcProvider::pinned",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider::pinned",
      ].sort(),
    );
    expect(created.flatMap((r) => r.secretPaths)).toEqual([]);
  });

  it.each<[string, ConstructorParameters<typeof BuildkiteOidcProvider>[1], string]>([
    [
      "existing ARN together with create options",
      { existingProviderArn: EXISTING, clientIds: ["sts.amazonaws.com"], tags: {} },
      "[existingProviderArn] cannot be combined with [clientIds], [tags]: those only apply when creating the provider",
    ],
    [
      "an ARN of another issuer",
      { existingProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
      '[existingProviderArn] must be an IAM OIDC provider ARN for agent.buildkite.com, like arn:PARTITION:iam::ACCOUNT_ID:oidc-provider/agent.buildkite.com (got: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")',
    ],
    ["a role ARN", { existingProviderArn: "arn:aws:iam::123456789012:role/x" }, '(got: "arn:aws:iam::123456789012:role/x")'],
    ["a bad thumbprint", { thumbprints: ["abc"] }, '[thumbprints] must be 40 hexadecimal characters (got: "abc")'],
    ["too many thumbprints", { thumbprints: Array(6).fill("a".repeat(40)) }, "[thumbprints] may list at most 5 thumbprints (got 6)"],
    ["no client IDs", { clientIds: [] }, "[clientIds] must list at least one client ID"],
  ])("refuses %s", (_, args, message) => {
    expect(() => new BuildkiteOidcProvider("bad", args)).toThrow(message);
  });

  // A bad ARN that only arrives as an Output fails the whole program when it resolves (the apply
  // throws a ResourceError), which would also fail this test process; so only the good path runs here.
  it("accepts an existing ARN that arrives as an Output", async () => {
    const late = new BuildkiteOidcProvider("late", { existingProviderArn: pulumi.output(EXISTING) });
    expect(await valueOf(late.providerArn)).toBe(EXISTING);
    expect(late.oidcProvider).toBeUndefined();
  });
});
