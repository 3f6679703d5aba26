import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, find, type Registration } from "../helpers/mocks";

const created: Registration[] = [];

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, props, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:Box", name, {}, opts);
    new Thing(`${name}-thing`, { secretValue: pulumi.secret("s3cr3t"), plainValue: "p" }, { parent: this, protect: true, retainOnDelete: true });
    this.registerOutputs({});
  }
}

describe("mock recorder", () => {
  beforeAll(async () => {
    await installMocks(created);
    new Box("b", { aliases: [{ name: "old-b" }] });
    await settle();
  });
  it("records parents, options, aliases and secret paths", () => {
    const box = find(created, "depot-buildkite:index:Box", "b");
    const thing = find(created, "test:index:Thing", "b-thing");
    expect(thing.parentUrn).toBe(box.urn);
    expect(thing.protect).toBe(true);
    expect(thing.retainOnDelete).toBe(true);
    expect(thing.secretPaths).toEqual(["secretValue"]);
    expect(thing.plain).toEqual({ secretValue: "s3cr3t", plainValue: "p" });
    expect(box.aliases.length).toBe(1);
    expect(box.protect).toBe(false);
  });
});
