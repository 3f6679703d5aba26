/**
 * Type tokens are part of the public contract: a stack's state stores every resource under its
 * token, so a token that changes in a release makes `pulumi up` replace the resource (and, for a
 * component, everything under it) unless the new version declares an alias to the old token.
 *
 * The rule (also in docs/library.md):
 * - `RELEASED` below is append-only: it lists every token a published version ever registered.
 * - `CURRENT` is the token each class registers now.
 * - Changing a token means: change `CURRENT`, keep the old entry in `RELEASED`, and make the class
 *   register `aliases: [{ type: "<old token>" }]`. This test fails otherwise.
 * - A new exported resource class must be added to both lists (the test finds unlisted ones).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import * as library from "../../components";
import { installMocks, settle, type Registration } from "../helpers/mocks";

type ClassName = keyof typeof CURRENT;

/** The token each exported resource class registers in this version. */
const CURRENT = {
  DepotImagePipeline: "depot-buildkite:index:DepotImagePipeline",
  AgentSecrets: "depot-buildkite:index:AgentSecrets",
  EcrRepository: "depot-buildkite:index:EcrRepository",
  BuildkiteOidcProvider: "depot-buildkite:index:BuildkiteOidcProvider",
  BuildkiteOidcRole: "depot-buildkite:index:BuildkiteOidcRole",
  AgentRoleEcrAccess: "depot-buildkite:index:AgentRoleEcrAccess",
  // Dynamic resources: the SDK derives `pulumi-nodejs:dynamic/<module>:<type>` from the
  // constructor's module ("depot") and type arguments.
  DepotProject: "pulumi-nodejs:dynamic/depot:Project",
  DepotTrustPolicy: "pulumi-nodejs:dynamic/depot:TrustPolicy",
  DepotProjectToken: "pulumi-nodejs:dynamic/depot:ProjectToken",
} as const;

/** Append-only: every token a released version registered, with its class. Never delete a line. */
const RELEASED: readonly { version: string; cls: ClassName; token: string }[] = [
  { version: "0.1.0", cls: "DepotImagePipeline", token: "depot-buildkite:index:DepotImagePipeline" },
  { version: "0.1.0", cls: "AgentSecrets", token: "depot-buildkite:index:AgentSecrets" },
  { version: "0.1.0", cls: "EcrRepository", token: "depot-buildkite:index:EcrRepository" },
  { version: "0.1.0", cls: "BuildkiteOidcProvider", token: "depot-buildkite:index:BuildkiteOidcProvider" },
  { version: "0.1.0", cls: "BuildkiteOidcRole", token: "depot-buildkite:index:BuildkiteOidcRole" },
  { version: "0.1.0", cls: "AgentRoleEcrAccess", token: "depot-buildkite:index:AgentRoleEcrAccess" },
  { version: "0.1.0", cls: "DepotProject", token: "pulumi-nodejs:dynamic/depot:Project" },
  { version: "0.1.0", cls: "DepotTrustPolicy", token: "pulumi-nodejs:dynamic/depot:TrustPolicy" },
  { version: "0.1.0", cls: "DepotProjectToken", token: "pulumi-nodejs:dynamic/depot:ProjectToken" },
];

const created: Registration[] = [];
/** Alias types per URN, read from the registration requests (the recorder keeps only names). */
const aliasTypes = new Map<string, string[]>();
/** Top-level resource per class (the names below are the class names). */
const instances = {} as Record<ClassName, pulumi.Resource>;
const urns = {} as Record<ClassName, string>;

interface AliasEntry {
  getUrn(): string;
  getSpec(): { getType(): string } | undefined;
}
interface RegisterRequestLike {
  getType(): string;
  getName(): string;
  getAliasesList(): AliasEntry[];
  getAliasurnsList(): string[];
}
interface MonitorLike {
  registerResource(req: RegisterRequestLike, cb: (err: unknown, resp: { getUrn(): string } | undefined) => void): void;
}

/** The type inside an alias URN `urn:pulumi:stack::project::[parent$]type::name`. */
function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

let aliased: library.EcrRepository;

function urnOf(r: pulumi.Resource): Promise<string> {
  return new Promise((done) => r.urn.apply(done));
}

beforeAll(async () => {
  await installMocks(created);
  const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorLike }).getMonitor();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    original(req, (err, resp) => {
      if (!err && resp) {
        const fromSpecs = req.getAliasesList().map((a) => a.getSpec()?.getType() || typeOfUrn(a.getUrn()));
        aliasTypes.set(resp.getUrn(), [...fromSpecs, ...req.getAliasurnsList().map(typeOfUrn)].filter((t) => t !== ""));
      }
      cb(err, resp);
    });

  // Every exported resource class, constructed with minimal valid args, under its class name.
  const repo = new library.EcrRepository("EcrRepository", { name: "acme/web" });
  const provider = new library.BuildkiteOidcProvider("BuildkiteOidcProvider");
  instances.EcrRepository = repo;
  instances.BuildkiteOidcProvider = provider;
  instances.BuildkiteOidcRole = new library.BuildkiteOidcRole("BuildkiteOidcRole", {
    providerArn: provider.providerArn,
    organization: "acme",
    pipelineSlugs: ["web-app"],
    pushRepositoryArns: [repo.repositoryArn],
  });
  instances.AgentRoleEcrAccess = new library.AgentRoleEcrAccess("AgentRoleEcrAccess", {
    roleName: "buildkite-agent",
    pushRepositoryArns: [repo.repositoryArn],
  });
  instances.AgentSecrets = new library.AgentSecrets("AgentSecrets", {
    backend: "buildkite",
    buildkite: { clusterUuid: "01234567-89ab-cdef-0123-456789abcdef" },
    pipelines: [{ slug: "web-app", values: { DOCKERHUB_TOKEN: "not-a-real-token" } }],
  });
  instances.DepotImagePipeline = new library.DepotImagePipeline("DepotImagePipeline", {
    slug: "web-app",
    name: "Web App",
    repository: "git@github.com:acme/web-app.git",
    organization: "acme",
    depotProjectId: "abc123xyz",
    ecr: { mode: "oidc", roleArn: "arn:aws:iam::123456789012:role/web-app", region: "eu-west-1", accountIds: ["123456789012"] },
    images: [{ key: "web", tags: ["latest"], destinations: [{ kind: "ecr", repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/web" }] }],
  });
  const project = new library.DepotProject("DepotProject", { name: "web", apiToken: "not-a-real-token" });
  instances.DepotProject = project;
  instances.DepotTrustPolicy = new library.DepotTrustPolicy("DepotTrustPolicy", {
    projectId: project.projectId,
    organizationSlug: "acme",
    pipelineSlug: "web-app",
    apiToken: "not-a-real-token",
  });
  instances.DepotProjectToken = new library.DepotProjectToken("DepotProjectToken", {
    projectId: project.projectId,
    description: "ci",
    apiToken: "not-a-real-token",
  });

  // Proves the alias check below can see a type alias at all.
  aliased = new library.EcrRepository("aliased", { name: "acme/aliased" }, { aliases: [{ type: "depot-buildkite:aws:EcrRepository" }] });

  for (const cls of Object.keys(instances) as ClassName[]) urns[cls] = await urnOf(instances[cls]);
  await settle();
});

/** The registration of each class's top-level resource (children reuse the name, so match by URN). */
function registrationOf(cls: ClassName): Registration | undefined {
  return created.find((r) => r.urn === urns[cls]);
}

describe("type tokens", () => {
  it("lists every resource class the public API exports", () => {
    const exported = Object.entries(library)
      .filter(([, v]) => typeof v === "function" && (v as { prototype?: unknown }).prototype instanceof pulumi.Resource)
      .map(([k]) => k)
      .sort();
    expect(exported).toEqual(Object.keys(CURRENT).sort());
  });

  it("registers each class under exactly its current token", () => {
    const byClass = Object.fromEntries((Object.keys(CURRENT) as ClassName[]).map((cls) => [cls, registrationOf(cls)?.type]));
    expect(byClass).toEqual(CURRENT);
  });

  it("registers components as components (custom: false) and the Depot resources as custom resources", () => {
    const kinds = Object.fromEntries(
      (Object.keys(CURRENT) as ClassName[]).map((cls) => [cls, registrationOf(cls)?.custom ? "custom" : "component"]),
    );
    expect(kinds).toEqual({
      DepotImagePipeline: "component",
      AgentSecrets: "component",
      EcrRepository: "component",
      BuildkiteOidcProvider: "component",
      BuildkiteOidcRole: "component",
      AgentRoleEcrAccess: "component",
      DepotProject: "custom",
      DepotTrustPolicy: "custom",
      DepotProjectToken: "custom",
    });
  });

  it("keeps every released token: current, or declared as an alias of the class that replaced it", async () => {
    const missing: string[] = [];
    for (const { version, cls, token } of RELEASED) {
      if (CURRENT[cls] === token) continue;
      const aliases = aliasTypes.get(urns[cls]) ?? [];
      if (!aliases.includes(token)) {
        missing.push(`${cls}: token ${token} (released in ${version}) changed to ${CURRENT[cls]} without aliases: [{ type: "${token}" }]`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("lists each current token as released (add a line to RELEASED with the new version)", () => {
    const released = new Set(RELEASED.map((r) => `${r.cls} ${r.token}`));
    const unreleased = Object.entries(CURRENT).filter(([cls, token]) => !released.has(`${cls} ${token}`));
    expect(unreleased).toEqual([]);
  });

  it("sees type aliases on registrations (so the check above can pass when an alias exists)", async () => {
    expect(aliasTypes.get(await urnOf(aliased))).toEqual(["depot-buildkite:aws:EcrRepository"]);
  });

  it("uses the package name from package.json as the component token prefix (what run-plugin requires)", () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, "../../package.json"), "utf8")) as { name: string };
    for (const token of Object.values(CURRENT).filter((t) => !t.startsWith("pulumi-nodejs:"))) {
      expect(token.split(":").slice(0, 2)).toEqual([pkg.name, "index"]);
    }
  });
});
