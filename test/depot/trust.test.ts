import { describe, expect, it } from "vitest";
import {
  depotHardwareNames,
  defaultTokenConfigKey,
  depotTrustRelationship,
  describeDepotTrustRelationship,
  validateDepotTrustRelationship,
} from "../../components/depot";

describe("depotTrustRelationship (configuration-only mode)", () => {
  it("returns the record to add by hand", () => {
    expect(depotTrustRelationship("abc123", "acme", "web-app")).toEqual({
      projectId: "abc123",
      organizationSlug: "acme",
      pipelineSlug: "web-app",
    });
  });

  it("describes it in one line", () => {
    expect(describeDepotTrustRelationship(depotTrustRelationship("abc123", "acme", "web_app2"))).toBe(
      "buildkite acme/web_app2 -> depot project abc123",
    );
  });

  it("rejects what Buildkite's OIDC token would never match, naming every problem", () => {
    expect(() => depotTrustRelationship(" ", "Acme", "web app")).toThrow(
      'Invalid Depot trust relationship: [projectId] is required; ' +
        "[organizationSlug] must be a Buildkite slug exactly as Buildkite shows it (lower-case letters, digits, '-' or '_'): \"Acme\"; " +
        "[pipelineSlug] must be a Buildkite slug exactly as Buildkite shows it (lower-case letters, digits, '-' or '_'): \"web app\"",
    );
  });

  it.each(["-leading", "", "UPPER", "a/b", "a.b"])("rejects the slug %j", (slug) => {
    expect(validateDepotTrustRelationship({ projectId: "p", organizationSlug: "acme", pipelineSlug: slug })).toHaveLength(1);
  });

  it.each(["a", "web-app", "web_app", "0day", "x-1-y"])("accepts the slug %j", (slug) => {
    expect(validateDepotTrustRelationship({ projectId: "p", organizationSlug: slug, pipelineSlug: slug })).toEqual([]);
  });
});

describe("constants", () => {
  it("hardware names follow Depot's enum order (the value is the index)", () => {
    expect(depotHardwareNames()).toEqual([
      "HARDWARE_UNSPECIFIED",
      "HARDWARE_16X32",
      "HARDWARE_4X4",
      "HARDWARE_8X8",
      "HARDWARE_8X16",
      "HARDWARE_32X64",
      "HARDWARE_64X128",
      "HARDWARE_96X192",
      "HARDWARE_192X384",
    ]);
  });

  it("the org token's default config key", () => {
    expect(defaultTokenConfigKey()).toBe("depot-buildkite:depotOrgToken");
  });
});
