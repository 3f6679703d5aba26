/**
 * Other Pulumi languages use this package through `pulumi package add <git url>@<tag>`
 * (PulumiPlugin.yaml, runtime nodejs). The plugin host (`@pulumi/pulumi/cmd/run-plugin`) loads the
 * package, collects its exported ComponentResource classes, derives the provider name from
 * package.json, and infers a schema from the TypeScript sources with the SDK's analyzer. The
 * generated SDKs in Python, Go, C#, Java and YAML are made from that schema.
 *
 * This test runs the same steps in-process (`getPulumiComponents` + `ComponentProvider.getSchema`)
 * over every exported component at once, as `pulumi package add` does, and checks each one: present
 * under its token, every input typed and described.
 *
 * The analyzer stops at its first error, so one component whose Args it cannot read breaks
 * `pulumi package add` for the whole package. Args it cannot read are redesigned, never skipped
 * (the rules are in docs/library.md).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { beforeAll, describe, expect, it } from "vitest";
import * as library from "../../components";

const ROOT = resolve(__dirname, "../..");
const PKG = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { name: string; version: string };

/** Every component the package exports: all of them must infer. */
const SCHEMA_COMPONENTS = [
  "DepotImagePipeline",
  "AgentSecrets",
  "EcrRepository",
  "BuildkiteOidcProvider",
  "BuildkiteOidcRole",
  "AgentRoleEcrAccess",
] as const;

/** Exported resource classes that are not components: the plugin host ignores them. */
const NOT_COMPONENTS = ["DepotProject", "DepotProjectToken", "DepotTrustPolicy"];

interface PropertySpec {
  type?: string;
  $ref?: string;
  description?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
}
interface ResourceSpec {
  isComponent: boolean;
  description?: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
}
interface PackageSpec {
  name: string;
  version: string;
  resources: Record<string, ResourceSpec>;
  types: Record<string, { type: string; properties?: Record<string, PropertySpec>; enum?: unknown[] }>;
  dependencies?: { name: string; version: string }[];
}

/** The provider name and namespace exactly as cmd/run-plugin derives them from package.json. */
function providerName(packageName: string): { name: string; namespace?: string } {
  const m = /^(@.*?\/)?(.+)$/.exec(packageName);
  if (!m) throw new Error(`bad package name ${packageName}`);
  return { name: m[2].replace(/[^-a-zA-Z0-9_]/g, "-"), namespace: m[1]?.slice(1, -1) };
}

const discovered = getPulumiComponents(library);
const byName = new Map(discovered.map((c) => [c.name, c]));
const { name: PROVIDER, namespace } = providerName(PKG.name);

function provider(names: readonly string[]): ComponentProvider {
  const components = names.map((n) => {
    const c = byName.get(n);
    if (!c) throw new Error(`${n} is not an exported component`);
    return c;
  });
  return new ComponentProvider({ name: PROVIDER, namespace, dirname: ROOT, components });
}

let schema: PackageSpec;

beforeAll(async () => {
  schema = JSON.parse(await provider(SCHEMA_COMPONENTS).getSchema()) as PackageSpec;
}, 120_000);

describe("cross-language schema", () => {
  it("derives the provider name `depot-buildkite` from package.json, matching the component tokens", () => {
    expect(PROVIDER).toBe("depot-buildkite");
    expect(namespace).toBeUndefined();
    expect(schema.name).toBe(PROVIDER);
    expect(schema.version).toBe(PKG.version);
  });

  it("discovers every exported component, and every one infers", () => {
    const names = discovered.map((c) => c.name).sort();
    expect(names).toEqual([...SCHEMA_COMPONENTS].sort());
    expect(Object.keys(schema.resources).sort()).toEqual(SCHEMA_COMPONENTS.map((n) => `${PROVIDER}:index:${n}`).sort());
    // Dynamic resources are CustomResources: not part of the plugin (see docs/library.md).
    for (const n of NOT_COMPONENTS) {
      expect(n in library).toBe(true);
      expect(byName.has(n)).toBe(false);
    }
  });

  it.each(SCHEMA_COMPONENTS)("%s: a component under depot-buildkite:index:<Class>, described", (name) => {
    const r = schema.resources[`${PROVIDER}:index:${name}`];
    expect(r, `schema has ${Object.keys(schema.resources).join(", ")}`).toBeDefined();
    expect(r.isComponent).toBe(true);
    expect(r.description?.length ?? 0).toBeGreaterThan(20);
    expect(Object.keys(r.properties).length).toBeGreaterThan(0);
  });

  it.each(SCHEMA_COMPONENTS)("%s: every input is typed and described", (name) => {
    const r = schema.resources[`${PROVIDER}:index:${name}`];
    const problems: string[] = [];
    for (const [prop, spec] of Object.entries(r.inputProperties)) {
      if (!spec.type && !spec.$ref) problems.push(`${prop}: no type`);
      if (!spec.description?.trim()) problems.push(`${prop}: no description`);
    }
    expect(problems).toEqual([]);
    expect(Object.keys(r.inputProperties).length).toBeGreaterThan(0);
  });

  it("describes every property of the object types the inputs use", () => {
    const problems: string[] = [];
    for (const [token, t] of Object.entries(schema.types)) {
      for (const [prop, spec] of Object.entries(t.properties ?? {})) {
        if (!spec.type && !spec.$ref) problems.push(`${token}.${prop}: no type`);
        if (!spec.description?.trim()) problems.push(`${token}.${prop}: no description`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("types the inputs as the TypeScript Args say (spot checks)", () => {
    const ecr = schema.resources[`${PROVIDER}:index:EcrRepository`];
    expect(ecr.requiredInputs).toEqual(["name"]);
    expect(ecr.inputProperties.name.type).toBe("string");
    expect(ecr.inputProperties.imageTagMutability.$ref).toBe(`#/types/${PROVIDER}:index:ImageTagMutability`);
    expect(schema.types[`${PROVIDER}:index:ImageTagMutability`].enum).toEqual([
      { name: "Mutable", value: "MUTABLE" },
      { name: "Immutable", value: "IMMUTABLE" },
    ]);
    const role = schema.resources[`${PROVIDER}:index:BuildkiteOidcRole`];
    expect([...role.requiredInputs].sort()).toEqual(["organization", "pipelineSlugs", "providerArn", "pushRepositoryArns"]);
    expect(role.inputProperties.pipelineSlugs).toMatchObject({ type: "array", items: { type: "string" } });
    expect(role.properties.resolvedRoleArn.type).toBe("string");
    expect(schema.resources[`${PROVIDER}:index:BuildkiteOidcProvider`].requiredInputs).toEqual([]);
  });

  it("DepotImagePipeline: flat args with named object types and enums, outputs only (spot checks)", () => {
    const ref = (t: string) => `#/types/${PROVIDER}:index:${t}`;
    const enumValues = (t: string) => (schema.types[`${PROVIDER}:index:${t}`].enum as { value: string }[]).map((e) => e.value);
    const p = schema.resources[`${PROVIDER}:index:DepotImagePipeline`];
    expect([...p.requiredInputs].sort()).toEqual(["depotProjectId", "images", "name", "organization", "repository", "slug"]);
    expect(p.inputProperties.images).toMatchObject({ type: "array", items: { $ref: ref("ImageArgs") } });
    expect(p.inputProperties.ecr.$ref).toBe(ref("EcrLoginArgs"));
    expect(p.inputProperties.auth.$ref).toBe(ref("DepotAuthMode"));
    expect(p.inputProperties.delivery.$ref).toBe(ref("DeliveryMode"));
    expect(p.inputProperties.depotProjectId.type).toBe("string");
    expect(Object.keys(p.properties).sort()).toEqual(["pipelineId", "pipelineYaml", "slug", "storedSteps", "url", "webhookUrl"]);
    const image = schema.types[`${PROVIDER}:index:ImageArgs`];
    expect(image.properties?.platforms).toMatchObject({ type: "array", items: { $ref: ref("Platform") } });
    expect(image.properties?.destinations).toMatchObject({ type: "array", items: { $ref: ref("ImageDestinationArgs") } });
    expect(image.properties?.provenance.type).toBe("string");
    expect(schema.types[`${PROVIDER}:index:ImageDestinationArgs`].properties?.kind.$ref).toBe(ref("DestinationKind"));
    expect(enumValues("DestinationKind")).toEqual(["dockerhub", "ecr"]);
    expect(enumValues("EcrAccessMode")).toEqual(["oidc", "instance-role"]);
    expect(enumValues("PipelineTeamAccessLevel")).toEqual(["READ_ONLY", "BUILD_AND_READ", "MANAGE_BUILD_AND_READ"]);
    expect([...enumValues("BuildPlatform")].sort()).toEqual(["dynamic", "linux/amd64", "linux/arm64"]);
  });

  it("AgentSecrets: backend blocks are named types, values a map of strings, backend an enum (spot checks)", () => {
    const ref = (t: string) => `#/types/${PROVIDER}:index:${t}`;
    const a = schema.resources[`${PROVIDER}:index:AgentSecrets`];
    expect([...a.requiredInputs].sort()).toEqual(["backend", "pipelines"]);
    expect(a.inputProperties.backend.$ref).toBe(ref("AgentSecretsBackend"));
    expect(a.inputProperties.buildkite.$ref).toBe(ref("AgentSecretsBuildkiteArgs"));
    expect(a.inputProperties.hook.$ref).toBe(ref("AgentSecretsHookArgs"));
    expect(a.inputProperties.elasticStack.$ref).toBe(ref("AgentSecretsElasticStackArgs"));
    expect(schema.types[`${PROVIDER}:index:AgentSecretsHookArgs`].properties?.upload.$ref).toBe(ref("AgentSecretsHookUploadArgs"));
    const pipeline = schema.types[`${PROVIDER}:index:AgentSecretsPipeline`].properties ?? {};
    expect(pipeline.values).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect(pipeline.depotAuth.$ref).toBe(ref("DepotAuthMode"));
    expect(a.properties.backend.$ref).toBe(ref("AgentSecretsBackend"));
  });

  it("depends on the aws provider at the version this package is built with (outputs reference its resources)", () => {
    const awsVersion = (JSON.parse(readFileSync(resolve(ROOT, "node_modules/@pulumi/aws/package.json"), "utf8")) as { version: string }).version;
    expect(schema.dependencies).toEqual([{ name: "aws", version: awsVersion }]);
  });
});
