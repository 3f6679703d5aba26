/**
 * A small local Pulumi "engine": one gRPC server on 127.0.0.1 that implements both the
 * ResourceMonitor and the Engine services, so a real program can be started through
 * `@pulumi/pulumi`'s own `cmd/run` (see `cmd-run.ts`) without the Pulumi CLI.
 *
 * It records every registration (type, name, parent, custom, provider, version, options and
 * inputs decoded from the wire: secrets and unknowns marked), answers invokes, echoes inputs back
 * as outputs (plus whatever `onRegister` adds), and records engine log lines and stack outputs.
 *
 * What it is not: a deployment engine. It never calls a provider, does not diff, does not create
 * default providers, does not run transforms or resource hooks (it says so in SupportsFeature).
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyPb from "google-protobuf/google/protobuf/empty_pb";
import * as structPb from "google-protobuf/google/protobuf/struct_pb";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";

// ---------------------------------------------------------------------------------------------
// Wire values (runtime/rpc.js in @pulumi/pulumi 3.248.0)
// ---------------------------------------------------------------------------------------------

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Key that marks a special value (secret, resource reference, asset, output value) on the wire. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/**
 * The wire sentinel for a value that is not known yet (a preview). Decoded values keep this very
 * string at the unknown's place, and its path is listed in `unknownPaths`.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Wrap a value as a secret on the wire (for outputs returned from `onRegister` / `onInvoke`). */
export function secret(value: JsonValue): JsonObject {
  return { [SIG_KEY]: SECRET_SIG, value };
}

export interface ResourceRefAt {
  path: string;
  urn: string;
  /** Present for custom resources ("" while unknown). */
  id?: string;
}

export interface DecodedValues {
  /** Plain values: secrets unwrapped, unknowns left as the `UNKNOWN` string, resource references as their id (custom) or URN (component), output values as their value. */
  plain: JsonObject;
  /** Exact paths of values that were secret, e.g. `env.DEPOT_TOKEN`, `list[0]`, `["a.b"]`. */
  secretPaths: string[];
  /** Top-level property names that contain a secret anywhere (what the SDK's mocks report as secret, because deserialization pushes secretness up to the property). */
  secretProperties: string[];
  unknownPaths: string[];
  resourceRefs: ResourceRefAt[];
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(parent: string, key: string): string {
  if (IDENT.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Convert a plain JS value (google-protobuf's `toJavaScript()`, or a callback's answer) into a
 * typed JSON value: `undefined` object entries are dropped, `undefined` array items become null.
 */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return String(value);
}

/** `toJson` for a property bag. */
export function toJsonObject(value: Record<string, unknown>): JsonObject {
  const v = toJson(value);
  return isObject(v) ? v : {};
}

/** Decode a property bag from the wire into plain values plus the secret / unknown / reference paths. */
export function decodeProperties(wire: JsonObject): DecodedValues {
  const secretPaths: string[] = [];
  const unknownPaths: string[] = [];
  const resourceRefs: ResourceRefAt[] = [];

  const walk = (v: JsonValue, path: string): JsonValue => {
    if (v === UNKNOWN) {
      unknownPaths.push(path);
      return UNKNOWN;
    }
    if (Array.isArray(v)) return v.map((e, i) => walk(e, `${path}[${i}]`));
    if (!isObject(v)) return v;
    const sig = v[SIG_KEY];
    if (typeof sig === "string") {
      switch (sig) {
        case SECRET_SIG:
          secretPaths.push(path);
          return walk(v.value ?? null, path);
        case RESOURCE_SIG: {
          const urn = typeof v.urn === "string" ? v.urn : "";
          const id = typeof v.id === "string" ? v.id : undefined;
          resourceRefs.push(id === undefined ? { path, urn } : { path, urn, id });
          if (id === undefined) return urn;
          if (id === "") {
            unknownPaths.push(path);
            return UNKNOWN;
          }
          return id;
        }
        case OUTPUT_VALUE_SIG: {
          if (v.secret === true) secretPaths.push(path);
          if (!("value" in v)) {
            unknownPaths.push(path);
            return UNKNOWN;
          }
          return walk(v.value ?? null, path);
        }
        case ASSET_SIG:
        case ARCHIVE_SIG: {
          const out: JsonObject = { kind: sig === ASSET_SIG ? "asset" : "archive" };
          for (const [k, e] of Object.entries(v)) if (k !== SIG_KEY) out[k] = walk(e, childPath(path, k));
          return out;
        }
        default:
          break;
      }
    }
    const out: JsonObject = {};
    for (const [k, e] of Object.entries(v)) out[k] = walk(e, childPath(path, k));
    return out;
  };

  const plain: JsonObject = {};
  for (const [k, v] of Object.entries(wire)) plain[k] = walk(v, childPath("", k));
  const top = (p: string): string => {
    const m = /^([A-Za-z_$][A-Za-z0-9_$]*)|^\[("(?:[^"\\]|\\.)*")\]/.exec(p);
    if (!m) return p;
    return m[1] ?? (JSON.parse(m[2] ?? '""') as string);
  };
  const secretProperties = [...new Set(secretPaths.map(top))];
  return { plain, secretPaths, secretProperties, unknownPaths, resourceRefs };
}

function structToJson(s: structPb.Struct | undefined): JsonObject {
  if (!s) return {};
  const v = toJson(s.toJavaScript());
  return isObject(v) ? v : {};
}

function jsonToStruct(obj: JsonObject): structPb.Struct {
  return structPb.Struct.fromJavaScript(obj);
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export interface ParentRef {
  type: string;
  name: string;
}

/** Parse a URN `urn:pulumi:STACK::PROJECT::[parent$]type::name` into its type (last segment) and name. */
export function parseUrn(urn: string): { stack: string; project: string; qualifiedType: string; type: string; name: string } {
  const parts = urn.split("::");
  const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
  const qualifiedType = parts[2] ?? "";
  const segments = qualifiedType.split("$");
  return {
    stack,
    project: parts[1] ?? "",
    qualifiedType,
    type: segments[segments.length - 1] ?? "",
    name: parts.slice(3).join("::"),
  };
}

export interface ResourceOptionsRecord {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  hideDiffs: string[];
  /** Alias URNs (`aliasUrns`) and alias specs, each spec rendered as `name=..,type=..,...` or its URN. */
  aliases: string[];
  importId: string;
  deletedWith: string;
  replaceWith: string[];
  remote: boolean;
  pluginDownloadUrl: string;
  customTimeouts?: { create: string; update: string; delete: string; read: string };
}

export interface Registration extends DecodedValues {
  /** Order of arrival (0 = the Stack). */
  seq: number;
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** URN of the parent; "" only for the Stack itself. */
  parentUrn: string;
  /** Parent's type and name (the Stack for top-level resources); undefined for the Stack. */
  parent?: ParentRef;
  /** Provider reference `URN::ID` ("" = default provider, which a real engine would create). */
  provider: string;
  providers: Record<string, string>;
  version: string;
  packageRef: string;
  /** Id returned to the program (custom resources; "" = unknown in a preview). */
  id?: string;
  /** Inputs with secrets unwrapped (same object as `plain`). */
  inputs: JsonObject;
  /** The property bag exactly as it came over the wire. */
  wire: JsonObject;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  options: ResourceOptionsRecord;
  /** The outputs sent back (wire form). */
  returned: JsonObject;
  /** Outputs registered later with `registerOutputs` (components, the Stack), decoded. */
  registeredOutputs?: DecodedValues;
}

export type LogSeverity = "debug" | "info" | "warning" | "error";

export interface LogRecord {
  severity: LogSeverity;
  message: string;
  urn: string;
  ephemeral: boolean;
  streamId: number;
}

export interface InvokeRecord extends DecodedValues {
  tok: string;
  provider: string;
  version: string;
  wire: JsonObject;
  returned?: JsonObject;
  error?: string;
}

export interface ReadRecord extends DecodedValues {
  urn: string;
  type: string;
  name: string;
  id: string;
  parentUrn: string;
  provider: string;
  wire: JsonObject;
}

export interface OutputsRecord extends DecodedValues {
  urn: string;
  wire: JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** What `onRegister` sees: the registration as decoded so far (no `returned` / `id` yet). */
export type RegisterRequestInfo = Omit<Registration, "returned" | "id" | "registeredOutputs">;

export interface RegisterAnswer {
  /** Id for a custom resource (default: `${name}-id`, or "" (unknown) in a preview). */
  id?: string;
  /** Extra outputs (wire form: use `secret()` / `UNKNOWN` for those), merged over the echoed inputs. `undefined` entries are dropped. */
  outputs?: Record<string, unknown>;
  /** Replace the echoed inputs entirely instead of merging. */
  replaceOutputs?: boolean;
}

export interface InvokeRequestInfo extends DecodedValues {
  tok: string;
  provider: string;
  version: string;
  wire: JsonObject;
}

export interface ReadRequestInfo extends DecodedValues {
  type: string;
  name: string;
  id: string;
  parentUrn: string;
  provider: string;
  wire: JsonObject;
}

type MaybePromise<T> = T | Promise<T>;

export interface LocalMonitorOptions {
  /** Project and stack name: needed to build URNs (the wire never says). */
  project: string;
  stack: string;
  organization?: string;
  /** Whether the program runs as a preview (`--dry-run`): ids of custom resources are then unknown. */
  dryRun?: boolean;
  /** Region that `aws:index/getRegion:getRegion` reports (default "us-east-1"). */
  awsRegion?: string;
  /** Override answers to SupportsFeature (feature id -> supported). */
  features?: Record<string, boolean>;
  /**
   * Called for every RegisterResource. Return extra outputs and/or an id; throw to make the
   * registration fail (the monitor answers with a gRPC error, as an engine does on a failed step).
   */
  onRegister?: (req: RegisterRequestInfo) => MaybePromise<RegisterAnswer | undefined | void>;
  /** Called for every Invoke. Return the result (wire form); `undefined` falls back to the defaults. Throw to fail it. */
  onInvoke?: (req: InvokeRequestInfo) => MaybePromise<Record<string, unknown> | undefined | void>;
  /** Called for every ReadResource (`Resource.get`, StackReference). Return the state; default echoes the properties. */
  onRead?: (req: ReadRequestInfo) => MaybePromise<Record<string, unknown> | undefined | void>;
}

/**
 * SupportsFeature answers. `true` only where this fake really behaves like an engine; anything
 * that needs the engine to call back into the program (transforms, invoke transforms, resource
 * and error hooks) is `false`, and so is every feature id it does not know.
 */
export const DEFAULT_FEATURES: Readonly<Record<string, boolean>> = Object.freeze({
  secrets: true,
  resourceReferences: true,
  outputValues: true,
  deletedWith: true,
  replaceWith: true,
  aliasSpecs: true,
  parameterization: true,
  transforms: false,
  invokeTransforms: false,
  resourceHooks: false,
  errorHooks: false,
});

const FEATURE_ENUM: Readonly<Record<string, resourcePb.ResourceMonitorFeature>> = {
  secrets: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_SECRETS,
  resourceReferences: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
  outputValues: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
  aliasSpecs: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
  deletedWith: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
  replaceWith: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_REPLACE_WITH,
  transforms: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
  invokeTransforms: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
  parameterization: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_PARAMETERIZATION,
  resourceHooks: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_RESOURCE_HOOKS,
  errorHooks: resourcePb.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_ERROR_HOOKS,
};

export const AWS_ACCOUNT_ID = "123456789012";

/** Answers for common data sources; `undefined` means "echo the arguments". */
export function defaultInvoke(tok: string, args: JsonObject, awsRegion: string): JsonObject | undefined {
  switch (tok) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: AWS_ACCOUNT_ID,
        arn: `arn:aws:iam::${AWS_ACCOUNT_ID}:user/local-monitor`,
        userId: "AIDALOCALMONITOR0000",
        id: AWS_ACCOUNT_ID,
      };
    case "aws:index/getRegion:getRegion": {
      const requested = typeof args.region === "string" && args.region ? args.region : typeof args.name === "string" && args.name ? args.name : awsRegion;
      return { name: requested, region: requested, id: requested, description: requested, endpoint: `ec2.${requested}.amazonaws.com` };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export interface LocalMonitorHandle {
  /** `127.0.0.1:PORT`, for both `--monitor` and `--engine`. */
  address: string;
  registrations: Registration[];
  logs: LogRecord[];
  invokes: InvokeRecord[];
  reads: ReadRecord[];
  /** Every RegisterResourceOutputs call, in order. */
  outputs: OutputsRecord[];
  /** Decoded stack outputs (plain, secrets unwrapped), `{}` until the Stack registers them. */
  readonly stackOutputs: JsonObject;
  /** Full decoding of the stack outputs (secret paths etc.), undefined until registered. */
  readonly stackOutputsDecoded: DecodedValues | undefined;
  readonly rootUrn: string;
  /** True once the program called SignalAndWaitForShutdown (it finished without uncaught errors). */
  readonly shutdownSignaled: boolean;
  /** Every SupportsFeature question asked, with our answer. */
  featureQueries: { id: string; answer: boolean }[];
  /** Every RPC method name called, in order (for diagnostics). */
  calls: string[];
  close(): Promise<void>;
}

type ServiceError = Error & { code: grpc.status; details: string };

function rpcError(code: grpc.status, message: string): ServiceError {
  return Object.assign(new Error(message), { code, details: message });
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function rootStackType(type: string): boolean {
  return type === "pulumi:pulumi:Stack";
}

export class LocalMonitor {
  private readonly opts: LocalMonitorOptions;
  constructor(opts: LocalMonitorOptions) {
    this.opts = opts;
  }

  start(): Promise<LocalMonitorHandle> {
    return startLocalMonitor(this.opts);
  }
}

/** Start the monitor + engine on 127.0.0.1:0. */
export async function startLocalMonitor(opts: LocalMonitorOptions): Promise<LocalMonitorHandle> {
  const registrations: Registration[] = [];
  const logs: LogRecord[] = [];
  const invokes: InvokeRecord[] = [];
  const reads: ReadRecord[] = [];
  const outputs: OutputsRecord[] = [];
  const featureQueries: { id: string; answer: boolean }[] = [];
  const calls: string[] = [];
  const byUrn = new Map<string, Registration>();
  const packages = new Map<string, string>();
  const state = {
    rootUrn: "",
    shutdownSignaled: false,
    stackOutputs: undefined as DecodedValues | undefined,
  };
  const features: Record<string, boolean> = { ...DEFAULT_FEATURES, ...(opts.features ?? {}) };
  const awsRegion = opts.awsRegion ?? "us-east-1";

  const urnFor = (parentUrn: string, type: string, name: string): string => {
    let qualified = type;
    if (parentUrn !== "") {
      const parentQualified = parseUrn(parentUrn).qualifiedType;
      if (!rootStackType(parentQualified)) qualified = `${parentQualified}$${type}`;
    }
    return `urn:pulumi:${opts.stack}::${opts.project}::${qualified}::${name}`;
  };

  /** Run an async handler and answer the unary call with its result or a gRPC error. */
  const unary = <Req, Res>(
    method: string,
    handler: (req: Req) => Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> => {
    return (call, callback) => {
      calls.push(method);
      handler(call.request).then(
        (res) => callback(null, res),
        (e: unknown) => {
          const err = e instanceof Error && "code" in e && typeof (e as ServiceError).code === "number" ? (e as ServiceError) : rpcError(grpc.status.UNKNOWN, errorMessage(e));
          callback(err, null);
        },
      );
    };
  };

  const unimplemented = <Req, Res>(method: string): grpc.handleUnaryCall<Req, Res> =>
    unary<Req, Res>(method, () => Promise.reject(rpcError(grpc.status.UNIMPLEMENTED, `${method} is not implemented by the local monitor`)));

  const monitorImpl: resourceGrpc.IResourceMonitorServer = {
    getDeploymentInfo: unary("GetDeploymentInfo", async () => {
      const info = new resourcePb.DeploymentInfo();
      info.setProject(opts.project);
      info.setStack(opts.stack);
      info.setOrganization(opts.organization ?? "organization");
      info.setDryrun(opts.dryRun === true);
      info.setSupportedfeaturesList(
        Object.entries(features)
          .filter(([id, on]) => on && FEATURE_ENUM[id] !== undefined)
          .map(([id]) => FEATURE_ENUM[id] as resourcePb.ResourceMonitorFeature),
      );
      return info;
    }),

    supportsFeature: unary("SupportsFeature", async (req: resourcePb.SupportsFeatureRequest) => {
      const id = req.getId();
      const answer = features[id] === true;
      featureQueries.push({ id, answer });
      const res = new resourcePb.SupportsFeatureResponse();
      res.setHassupport(answer);
      return res;
    }),

    registerResource: unary("RegisterResource", async (req: resourcePb.RegisterResourceRequest) => {
      const type = req.getType();
      const name = req.getName();
      const parentUrn = req.getParent();
      const urn = urnFor(parentUrn, type, name);
      const wire = structToJson(req.getObject());
      const decoded = decodeProperties(wire);
      const propertyDependencies: Record<string, string[]> = {};
      req.getPropertydependenciesMap().forEach((deps, key) => {
        propertyDependencies[key] = deps.getUrnsList();
      });
      const providers: Record<string, string> = {};
      req.getProvidersMap().forEach((ref, key) => {
        providers[key] = ref;
      });
      const timeouts = req.getCustomtimeouts();
      const aliases = [
        ...req.getAliasurnsList(),
        ...req.getAliasesList().map((a) => {
          if (a.hasUrn()) return a.getUrn();
          const spec = a.getSpec();
          if (!spec) return "";
          const fields: string[] = [];
          if (spec.getName()) fields.push(`name=${spec.getName()}`);
          if (spec.getType()) fields.push(`type=${spec.getType()}`);
          if (spec.getStack()) fields.push(`stack=${spec.getStack()}`);
          if (spec.getProject()) fields.push(`project=${spec.getProject()}`);
          if (spec.getParenturn()) fields.push(`parent=${spec.getParenturn()}`);
          if (spec.getNoparent()) fields.push("noParent");
          return fields.join(",");
        }),
      ];
      const options: ResourceOptionsRecord = {
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        hideDiffs: req.getHidediffsList(),
        aliases,
        importId: req.getImportid(),
        deletedWith: req.getDeletedwith(),
        replaceWith: req.getReplaceWithList(),
        remote: req.getRemote(),
        pluginDownloadUrl: req.getPlugindownloadurl(),
      };
      if (req.hasProtect()) options.protect = req.getProtect() === true;
      if (req.hasRetainondelete()) options.retainOnDelete = req.getRetainondelete() === true;
      if (req.getDeletebeforereplacedefined()) options.deleteBeforeReplace = req.getDeletebeforereplace();
      if (timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete() || timeouts.getRead())) {
        options.customTimeouts = { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete(), read: timeouts.getRead() };
      }
      const parent = parentUrn === "" ? undefined : (() => {
        const p = parseUrn(parentUrn);
        return { type: p.type, name: p.name };
      })();
      const info: RegisterRequestInfo = {
        seq: registrations.length,
        urn,
        type,
        name,
        custom: req.getCustom(),
        parentUrn,
        ...(parent ? { parent } : {}),
        provider: req.getProvider(),
        providers,
        version: req.getVersion(),
        packageRef: req.getPackageref(),
        ...decoded,
        inputs: decoded.plain,
        wire,
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        options,
      };
      if (byUrn.has(urn)) {
        throw rpcError(grpc.status.INVALID_ARGUMENT, `Duplicate resource URN '${urn}'; try giving it a unique name`);
      }
      const answer = (await opts.onRegister?.(info)) ?? undefined;
      const echoed: JsonObject = answer?.replaceOutputs ? {} : { ...wire };
      const returned: JsonObject = { ...echoed, ...toJsonObject(answer?.outputs ?? {}) };
      const id = info.custom ? (answer?.id ?? (opts.dryRun ? "" : `${name}-id`)) : undefined;
      const registration: Registration = { ...info, returned, ...(id !== undefined ? { id } : {}) };
      registrations.push(registration);
      byUrn.set(urn, registration);

      const res = new resourcePb.RegisterResourceResponse();
      res.setUrn(urn);
      if (id !== undefined) res.setId(id);
      res.setObject(jsonToStruct(returned));
      res.setResult(resourcePb.Result.SUCCESS);
      return res;
    }),

    registerResourceOutputs: unary("RegisterResourceOutputs", async (req: resourcePb.RegisterResourceOutputsRequest) => {
      const urn = req.getUrn();
      const wire = structToJson(req.getOutputs());
      const decoded = decodeProperties(wire);
      outputs.push({ urn, wire, ...decoded });
      const reg = byUrn.get(urn);
      if (reg) reg.registeredOutputs = decoded;
      if (reg && rootStackType(reg.type)) state.stackOutputs = decoded;
      return new emptyPb.Empty();
    }),

    invoke: unary("Invoke", async (req: resourcePb.ResourceInvokeRequest) => {
      const tok = req.getTok();
      const wire = structToJson(req.getArgs());
      const decoded = decodeProperties(wire);
      const info: InvokeRequestInfo = { tok, provider: req.getProvider(), version: req.getVersion(), wire, ...decoded };
      const record: InvokeRecord = { ...info };
      invokes.push(record);
      try {
        const custom = (await opts.onInvoke?.(info)) ?? undefined;
        const result = (custom ? toJsonObject(custom) : undefined) ?? defaultInvoke(tok, decoded.plain, awsRegion) ?? wire;
        record.returned = result;
        const res = new providerPb.InvokeResponse();
        res.setReturn(jsonToStruct(result));
        return res;
      } catch (e) {
        record.error = errorMessage(e);
        throw e;
      }
    }),

    readResource: unary("ReadResource", async (req: resourcePb.ReadResourceRequest) => {
      const type = req.getType();
      const name = req.getName();
      const parentUrn = req.getParent();
      const urn = urnFor(parentUrn, type, name);
      const wire = structToJson(req.getProperties());
      const decoded = decodeProperties(wire);
      const info: ReadRequestInfo = { type, name, id: req.getId(), parentUrn, provider: req.getProvider(), wire, ...decoded };
      reads.push({ urn, ...info });
      const custom = (await opts.onRead?.(info)) ?? undefined;
      const res = new resourcePb.ReadResourceResponse();
      res.setUrn(urn);
      res.setProperties(jsonToStruct(custom ? toJsonObject(custom) : wire));
      return res;
    }),

    registerPackage: unary("RegisterPackage", async (req: resourcePb.RegisterPackageRequest) => {
      const p = req.getParameterization();
      const key = [req.getName(), req.getVersion(), p?.getName() ?? "", p?.getVersion() ?? ""].join("\0");
      let ref = packages.get(key);
      if (ref === undefined) {
        ref = `local-package-${packages.size + 1}`;
        packages.set(key, ref);
      }
      const res = new resourcePb.RegisterPackageResponse();
      res.setRef(ref);
      return res;
    }),

    signalAndWaitForShutdown: unary("SignalAndWaitForShutdown", async () => {
      state.shutdownSignaled = true;
      return new emptyPb.Empty();
    }),

    call: unimplemented("Call"),
    registerStackTransform: unimplemented("RegisterStackTransform"),
    registerStackInvokeTransform: unimplemented("RegisterStackInvokeTransform"),
    registerResourceHook: unimplemented("RegisterResourceHook"),
    registerErrorHook: unimplemented("RegisterErrorHook"),
  };

  const severityName: Record<enginePb.LogSeverity, LogSeverity> = {
    [enginePb.LogSeverity.DEBUG]: "debug",
    [enginePb.LogSeverity.INFO]: "info",
    [enginePb.LogSeverity.WARNING]: "warning",
    [enginePb.LogSeverity.ERROR]: "error",
  };

  const engineImpl: engineGrpc.IEngineServer = {
    log: unary("Log", async (req: enginePb.LogRequest) => {
      logs.push({
        severity: severityName[req.getSeverity()] ?? "info",
        message: req.getMessage(),
        urn: req.getUrn(),
        ephemeral: req.getEphemeral(),
        streamId: req.getStreamid(),
      });
      return new emptyPb.Empty();
    }),
    getRootResource: unary("GetRootResource", async () => {
      const res = new enginePb.GetRootResourceResponse();
      res.setUrn(state.rootUrn);
      return res;
    }),
    setRootResource: unary("SetRootResource", async (req: enginePb.SetRootResourceRequest) => {
      state.rootUrn = req.getUrn();
      return new enginePb.SetRootResourceResponse();
    }),
    startDebugging: unary("StartDebugging", async () => new emptyPb.Empty()),
    requirePulumiVersion: unary("RequirePulumiVersion", async () => new enginePb.RequirePulumiVersionResponse()),
  };

  const maxMessage = 400 * 1024 * 1024;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessage,
    "grpc.max_send_message_length": maxMessage,
  });
  server.addService(resourceGrpc.ResourceMonitorService, monitorImpl);
  server.addService(engineGrpc.EngineService, engineImpl);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (err) reject(err);
      else resolve(boundPort);
    });
  });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closed;
  };

  return {
    address: `127.0.0.1:${port}`,
    registrations,
    logs,
    invokes,
    reads,
    outputs,
    featureQueries,
    calls,
    get stackOutputs(): JsonObject {
      return state.stackOutputs?.plain ?? {};
    },
    get stackOutputsDecoded(): DecodedValues | undefined {
      return state.stackOutputs;
    },
    get rootUrn(): string {
      return state.rootUrn;
    },
    get shutdownSignaled(): boolean {
      return state.shutdownSignaled;
    },
    close,
  };
}
