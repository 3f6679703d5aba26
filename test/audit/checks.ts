/**
 * Pure checks the audits apply to a stack run: IAM documents, ARN partitions, supply-chain pins,
 * stored-step interpolation. Each returns a list of findings (empty = clean), so a failing audit
 * prints every finding at once.
 */
import { parse } from "yaml";
import type { Registration } from "../../src/mock-recorder";
import {
  ECR_AUTH_TOKEN_ACTION,
  ECR_PULL_ACTIONS,
  ECR_PUSH_ACTIONS,
  validateIdentityPolicy,
  validateTrustPolicy,
  type PolicyDocument,
  type PolicyStatement,
} from "../../components/aws/policies";
import { KMS_DECRYPT_ACTIONS, HOOK_OBJECT_READ_ACTIONS, SECRETS_READ_ACTIONS } from "../../components/secrets/iam";
import { toAgentShell } from "../../components/pipeline/interpolation";
import { commandSteps, stepScript, unescapedRuntimeVars, unescapedRuntimeVarsInYaml } from "../helpers/conformance";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

// ---------------------------------------------------------------------------------------------
// IAM

/** Where an IAM document lives in a resource's inputs, by resource type. */
export const POLICY_INPUTS: Readonly<Record<string, { input: string; kind: "trust" | "identity" | "resource" }>> = {
  "aws:iam/role:Role": { input: "assumeRolePolicy", kind: "trust" },
  "aws:iam/rolePolicy:RolePolicy": { input: "policy", kind: "identity" },
  "aws:iam/policy:Policy": { input: "policy", kind: "identity" },
  "aws:ecr/repositoryPolicy:RepositoryPolicy": { input: "policy", kind: "resource" },
};

/** Every action the program may grant in an identity policy: anything else is a finding. */
export const KNOWN_IDENTITY_ACTIONS: ReadonlySet<string> = new Set([
  ECR_AUTH_TOKEN_ACTION,
  ...ECR_PUSH_ACTIONS,
  ...SECRETS_READ_ACTIONS,
  ...KMS_DECRYPT_ACTIONS,
  ...HOOK_OBJECT_READ_ACTIONS,
]);

export interface AuditedPolicy {
  resource: string;
  kind: "trust" | "identity" | "resource";
  doc: PolicyDocument;
}

/** Parse every IAM document the registrations carry. A document that is not JSON is a finding. */
export function policyDocuments(regs: Registration[]): { policies: AuditedPolicy[]; findings: string[] } {
  const policies: AuditedPolicy[] = [];
  const findings: string[] = [];
  for (const r of regs) {
    const where = POLICY_INPUTS[r.type];
    if (!where) continue;
    const text = r.plain[where.input];
    const resource = `${r.type}::${r.name}`;
    if (typeof text !== "string") {
      findings.push(`${resource}: ${where.input} is not a JSON string (${typeof text})`);
      continue;
    }
    try {
      policies.push({ resource, kind: where.kind, doc: JSON.parse(text) as PolicyDocument });
    } catch (e) {
      findings.push(`${resource}: ${where.input} is not JSON: ${(e as Error).message}`);
    }
  }
  return { policies, findings };
}

/**
 * A resource policy on an ECR repository must only let named accounts pull: explicit account
 * principals (never `*`), pull actions only, no NotAction / NotPrincipal.
 */
export function validateRepositoryPolicy(doc: PolicyDocument): string[] {
  const problems: string[] = [];
  if (doc.Version !== "2012-10-17") problems.push(`Version must be "2012-10-17"`);
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) problems.push("policy has no statements");
  (doc.Statement ?? []).forEach((s: PolicyStatement & { NotPrincipal?: unknown }, i) => {
    const at = `statement ${s.Sid ?? `#${i}`}`;
    if (s.Effect !== "Allow") return;
    if (s.NotAction !== undefined || s.NotPrincipal !== undefined) problems.push(`${at}: NotAction/NotPrincipal are not allowed`);
    const p = s.Principal;
    if (p === undefined || p === "*" || !("AWS" in p)) {
      problems.push(`${at}: must name AWS account principals`);
    } else {
      for (const a of asList(p.AWS)) {
        if (!/^arn:[a-z][a-z0-9-]*:iam::\d{12}:root$/.test(a)) problems.push(`${at}: principal ${JSON.stringify(a)} is not an account root ARN`);
      }
    }
    for (const a of asList(s.Action)) {
      if (!ECR_PULL_ACTIONS.includes(a)) problems.push(`${at}: action ${JSON.stringify(a)} is more than pull`);
    }
    if (s.Condition === undefined && asList(s.Action).length === 0) problems.push(`${at}: no action`);
  });
  return problems;
}

/** Findings for every IAM document: the project's own validators, plus the known-action list. */
export function policyFindings(policies: AuditedPolicy[]): string[] {
  const findings: string[] = [];
  for (const p of policies) {
    const problems =
      p.kind === "trust" ? validateTrustPolicy(p.doc) : p.kind === "identity" ? validateIdentityPolicy(p.doc) : validateRepositoryPolicy(p.doc);
    if (p.kind === "identity") {
      for (const s of p.doc.Statement ?? []) {
        for (const a of asList(s.Action)) if (!KNOWN_IDENTITY_ACTIONS.has(a)) problems.push(`grants ${JSON.stringify(a)}, which the program never needs`);
      }
    }
    findings.push(...problems.map((m) => `${p.resource}: ${m}`));
  }
  return findings;
}

/** `sub` subjects of a trust policy. */
export function trustSubjects(doc: PolicyDocument): string[] {
  return (doc.Statement ?? []).flatMap((s) =>
    Object.values(s.Condition ?? {}).flatMap((keys) => asList(keys["agent.buildkite.com:sub"])),
  );
}

// ---------------------------------------------------------------------------------------------
// ARNs and partitions

const ARN = /\barn:([a-z0-9-]*):[A-Za-z0-9_+=,.@:/*?${}-]*/g;

/** Every ARN in a text. */
export function arnsIn(text: string): string[] {
  return [...text.matchAll(ARN)].map((m) => m[0]);
}

/**
 * ARNs whose partition is not `partition` and that were not given verbatim in the stack config:
 * the program built them with a hard-coded partition.
 */
export function foreignPartitionArns(texts: Record<string, string>, partition: string, configText: string): string[] {
  const fromConfig = new Set(arnsIn(configText));
  const out: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const arn of arnsIn(text)) {
      const part = arn.split(":")[1];
      if (part !== partition && !fromConfig.has(arn)) out.push(`${where}: ${arn}`);
    }
  }
  return [...new Set(out)].sort();
}

/**
 * `arn:aws:` string literals in TypeScript source, outside comments. Template literals are
 * included (`arn:aws:${...}`): a partition must come from the partition lookup or an ARN.
 */
export function hardCodedPartitions(source: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inBlock = false;
  source.split("\n").forEach((raw, i) => {
    let line = raw;
    if (inBlock) {
      const end = line.indexOf("*/");
      if (end < 0) return;
      line = line.slice(end + 2);
      inBlock = false;
    }
    line = line.replace(/\/\*.*?\*\//g, "");
    const open = line.indexOf("/*");
    if (open >= 0) {
      inBlock = true;
      line = line.slice(0, open);
    }
    const code = line.replace(/(^|[^:])\/\/.*$/, "$1");
    if (/arn:aws:/.test(code)) out.push({ line: i + 1, text: raw.trim() });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Interpolation

/** Findings for a stored `steps` value: unescaped `$`, and any `$` at all when `noDollar`. */
export function storedStepFindings(where: string, stored: string, noDollar: boolean): string[] {
  const findings = [
    ...unescapedRuntimeVars(stored).map((f) => `${where}: unescaped ${JSON.stringify(f)}`),
    ...unescapedRuntimeVarsInYaml(stored).map((f) => `${where}: unescaped in YAML value ${f}`),
  ];
  if (noDollar && stored.includes("$")) findings.push(`${where}: contains "$" (repository delivery and signing store no "$" at all)`);
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Supply chain

/** A plugin reference pinned to an exact release tag. */
export const PINNED_PLUGIN = /^(?:[a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9-]*#v\d+\.\d+\.\d+$/;
const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

function pluginNames(step: Obj): string[] {
  const plugins = step.plugins;
  if (plugins === undefined) return [];
  if (Array.isArray(plugins)) {
    return plugins.flatMap((p) => (typeof p === "string" ? [p] : isObj(p) ? Object.keys(p) : [`<${typeof p}>`]));
  }
  return isObj(plugins) ? Object.keys(plugins) : [`<${typeof plugins}>`];
}

/**
 * Supply-chain findings for a full pipeline YAML: every plugin pinned to `name#vX.Y.Z`, the depot
 * CLI installed at an exact version (`sh -s X.Y.Z`, over https), nothing `latest`, no `curl | sh`
 * without a version, no package installs without a version.
 */
export function supplyChainFindings(where: string, yaml: string, expectedCliVersion: string): string[] {
  const findings: string[] = [];
  for (const step of commandSteps(yaml)) {
    const key = `${where}/${typeof step.key === "string" ? step.key : "?"}`;
    for (const p of pluginNames(step)) {
      if (!PINNED_PLUGIN.test(p)) findings.push(`${key}: plugin ${JSON.stringify(p)} is not pinned to an exact version (name#vX.Y.Z)`);
      if (/latest/i.test(p)) findings.push(`${key}: plugin ${JSON.stringify(p)} names "latest"`);
    }
    const script = toAgentShell(stepScript(step));
    const versionVar = /^depot_cli_version='([^']*)'$/m.exec(script)?.[1];
    for (const line of script.split("\n")) {
      if (/\bcurl\b/.test(line)) {
        if (!/https:\/\//.test(line) || /http:\/\//.test(line)) findings.push(`${key}: curl without https: ${line.trim()}`);
        const pipeToShell = /\|\s*(?:[A-Z_]+=\S+\s+)*(?:ba|z|da)?sh\b(.*)$/.exec(line);
        if (pipeToShell) {
          const arg = /^\s+-s\s+(?:"\$\{?depot_cli_version\}?"|'?(\S+?)'?)\s*$/.exec(pipeToShell[1]);
          if (!arg) findings.push(`${key}: curl | sh without a version argument: ${line.trim()}`);
          else {
            const version = arg[1] ?? versionVar;
            if (version === undefined || !EXACT_VERSION.test(version)) {
              findings.push(`${key}: depot CLI installed at ${JSON.stringify(version)}, not an exact version`);
            } else if (version !== expectedCliVersion) {
              findings.push(`${key}: depot CLI ${version} installed, config pins ${expectedCliVersion}`);
            }
          }
        }
      }
      if (/\b(?:npm|pnpm|yarn)\s+(?:i|install|add)\b|\bpip3?\s+install\b|\bgo\s+install\b/.test(line) && !/@\d+\.\d+\.\d+|==\d+\.\d+\.\d+/.test(line)) {
        findings.push(`${key}: package install without an exact version: ${line.trim()}`);
      }
      if (/\blatest\b/.test(line) && !/^\s*-t\s|--tag\b|--save-tag\b/.test(line) && !/:latest["']?\s*\\?$/.test(line)) {
        findings.push(`${key}: "latest" outside an image tag: ${line.trim()}`);
      }
      if (/docker\s+login\b.*--password(?!-stdin)\b/.test(line)) findings.push(`${key}: docker login --password puts a secret on the command line`);
      if (/\bdepot\b.*\s--token\b/.test(line)) findings.push(`${key}: depot --token puts a secret on the command line`);
    }
  }
  return findings;
}

/** The `env` maps of every command step: a token value must never be there. */
export function stepEnvKeys(yaml: string): string[] {
  return commandSteps(yaml).flatMap((s) => (isObj(s.env) ? Object.keys(s.env) : []));
}

/** Parse a YAML document (1.1, like Buildkite) for callers that want the object. */
export function parseYaml(yaml: string): unknown {
  return parse(yaml, { version: "1.1" });
}
