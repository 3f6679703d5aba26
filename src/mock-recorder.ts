/**
 * Runs a Pulumi program under the SDK's mocks and records every registration with its exact
 * inputs, parent and resource options. Shared by the offline synth and the tests.
 *
 * Install it (await `installRecorder`) BEFORE the program is imported, or nothing is recorded.
 */
import * as pulumi from "@pulumi/pulumi";

/** The signature key Pulumi uses to mark a secret value on the wire. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface Registration {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent resource ("" for the stack itself). */
  parentUrn: string;
  inputs: Record<string, unknown>;
  /** `inputs` with every secret unwrapped to its plain value. */
  plain: Record<string, unknown>;
  /** Dotted paths of inputs that arrived as secrets. */
  secretPaths: string[];
  custom: boolean;
  provider?: string;
  id?: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  /** Alias URNs and alias specs (names) the resource declared. */
  aliases: string[];
  dependencies: string[];
  additionalSecretOutputs: string[];
}

export interface RecorderOptions {
  project?: string;
  stack?: string;
  preview?: boolean;
  /** Extra outputs per resource type, merged over the inputs echoed back as state. */
  state?: (type: string, name: string, inputs: Record<string, unknown>) => Record<string, unknown>;
  /** Results for invokes by token. */
  call?: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined;
}

export function isSecretWire(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** Replace wire-format secrets with their values and collect the paths where they were. */
export function unwrapSecrets(value: unknown, path = "", found: string[] = []): unknown {
  if (isSecretWire(value)) {
    found.push(path);
    return unwrapSecrets(value.value, path, []);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, found));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, path ? `${path}.${k}` : k, found);
    return out;
  }
  return value;
}

/** Replace secrets with `[secret]` (for anything written to disk or printed). */
export function maskSecrets(value: unknown): unknown {
  if (isSecretWire(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v);
    return out;
  }
  return value;
}

const ACCOUNT = "123456789012";
/**
 * The fake region: the stack's `aws:region` when set, so fake URLs match the stack. Read once per
 * installed recorder: `getConfig` parses the whole config each time, which is quadratic on big stacks.
 */
let cachedRegion: string | undefined;
function region(): string {
  cachedRegion ??= pulumi.runtime.getConfig("aws:region") ?? "eu-west-1";
  return cachedRegion;
}

/** Fake state for resource types whose outputs programs read. */
export function defaultState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const str = (v: unknown, d: string) => (typeof v === "string" && v ? v : d);
  switch (type) {
    case "aws:ecr/repository:Repository": {
      const repoName = str(inputs.name, name);
      return {
        arn: `arn:aws:ecr:${region()}:${ACCOUNT}:repository/${repoName}`,
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${region()}.amazonaws.com/${repoName}`,
        registryId: ACCOUNT,
        name: repoName,
      };
    }
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${str(inputs.name, name)}`, name: str(inputs.name, name) };
    case "aws:iam/policy:Policy":
      return { arn: `arn:aws:iam::${ACCOUNT}:policy/${str(inputs.name, name)}` };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/agent.buildkite.com` };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `arn:aws:secretsmanager:${region()}:${ACCOUNT}:secret:${str(inputs.name, name)}-AbCdEf` };
    case "buildkite:Pipeline/pipeline:Pipeline":
      return {
        uuid: `00000000-0000-4000-8000-${Buffer.from(name).toString("hex").padEnd(12, "0").slice(0, 12)}`,
        webhookUrl: `https://webhook.buildkite.com/deliver/${name}`,
        badgeUrl: `https://badge.buildkite.com/${name}.svg`,
      };
    case "buildkite:Pipeline/getSignedSteps:getSignedSteps":
      return {};
    default:
      if (type.startsWith("pulumi-nodejs:dynamic")) return fakeDynamicState(type, name);
      return {};
  }
}

/** Dynamic (Depot) resources return ids the program reads. */
function fakeDynamicState(type: string, name: string): Record<string, unknown> {
  const id = Buffer.from(name).toString("hex").slice(0, 10).padEnd(10, "0");
  if (type.endsWith(":Project")) return { projectId: `p${id}`, organizationId: "org0000001" };
  if (type.endsWith(":TrustPolicy")) return { trustPolicyId: `tp${id}` };
  if (type.endsWith(":ProjectToken")) return { tokenId: `tk${id}`, token: "[mock project token]" };
  return {};
}

export function defaultCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDAEXAMPLE", id: ACCOUNT };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws", reverseDnsSuffix: "com.amazonaws" };
    case "aws:index/getRegion:getRegion":
      return { name: region(), region: region(), id: region(), endpoint: `ec2.${region()}.amazonaws.com` };
    case "buildkite:Pipeline/getSignedSteps:getSignedSteps":
      return { ...inputs, steps: `# signed\n${String(inputs.unsignedSteps ?? "")}` };
    default:
      return inputs;
  }
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getAliasurnsList(): string[];
  getAliasesList(): { getUrn(): string; getSpec(): { getName(): string; getType(): string } | undefined }[];
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
}

type Callback = (err: unknown, resp: { getUrn(): string } | undefined) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): void;
}

/**
 * Install mocks that record every registration into `created`. Await it before importing the
 * program.
 */
export async function installRecorder(created: Registration[], opts: RecorderOptions = {}): Promise<void> {
  const pending = new Map<string, Omit<Registration, "urn" | "parentUrn" | "protect" | "retainOnDelete" | "deleteBeforeReplace" | "aliases" | "dependencies" | "additionalSecretOutputs">>();
  cachedRegion = undefined;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const secretPaths: string[] = [];
        const plain = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, unknown>;
        pending.set(`${args.type}::${args.name}`, {
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          plain,
          secretPaths,
          custom: args.custom ?? true,
          provider: args.provider,
          id: args.id,
        });
        const state = {
          ...args.inputs,
          ...defaultState(args.type, args.name, plain),
          ...(opts.state?.(args.type, args.name, plain) ?? {}),
        };
        return { id: args.id || `${args.name}-id`, state };
      },
      call(args) {
        return opts.call?.(args.token, args.inputs) ?? defaultCall(args.token, args.inputs);
      },
    },
    opts.project ?? "depot-buildkite",
    opts.stack ?? "test",
    opts.preview ?? false,
  );
  // Wrap the mock monitor so parent and resource options (protect, aliases, ...) are recorded too.
  const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorLike }).getMonitor();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    original(req, (err, resp) => {
      const base = pending.get(`${req.getType()}::${req.getName()}`);
      if (!err && resp && base) {
        created.push({
          ...base,
          urn: resp.getUrn(),
          parentUrn: req.getParent(),
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          aliases: [
            ...req.getAliasurnsList(),
            ...req.getAliasesList().map((a) => a.getUrn() || `name:${a.getSpec()?.getName() ?? ""}`),
          ],
          dependencies: req.getDependenciesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        });
      }
      cb(err, resp);
    });
  };
}

/** Wait until every pending registration has reached the mock monitor. */
export async function settle(): Promise<void> {
  const rt = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (rt.waitForRPCs) await rt.waitForRPCs();
}

/** Resolve an Output without hanging on unknown values (preview): `undefined` when unknown. */
export async function valueOf<T>(o: pulumi.Input<T> | undefined): Promise<T | undefined> {
  if (o === undefined) return undefined;
  // An Output is read as it is: wrapping it in `pulumi.output` again would add an apply per value.
  const out = (pulumi.Output.isInstance(o) ? o : pulumi.output(o)) as unknown as { isKnown: Promise<boolean>; promise: () => Promise<T> };
  if (!(await out.isKnown)) return undefined;
  return out.promise();
}

/** The (type, name) of a registration's parent, from its URN. */
export function parentOf(created: Registration[], r: Registration): Registration | undefined {
  return created.find((x) => x.urn === r.parentUrn);
}
