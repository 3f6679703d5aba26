/**
 * This repository's own CI pipeline (.buildkite/pipeline.yml, uploaded from the repository): valid
 * for Buildkite, shellcheck-clean, plugins pinned, OIDC only, nothing secret, and the steps the
 * project needs (tests on every build; synth diffs and pulumi previews of every stack on pull
 * requests; dev, a block, then prod on the default branch).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { schemaPath, shellcheck, shellcheckBinary, stepScript, unescapedRuntimeVarsInYaml, validatePipelineYaml } from "../helpers/conformance";

const ROOT = path.resolve(__dirname, "..", "..");
const PIPELINE = path.join(ROOT, ".buildkite", "pipeline.yml");
const SCRIPTS = path.join(ROOT, ".buildkite", "scripts");
const text = readFileSync(PIPELINE, "utf8");
const STACKS = ["dev", "prod"];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

interface Step {
  step: Obj;
  /** The `if` of the step, or of its group. */
  condition?: string;
}

function allSteps(): Step[] {
  const doc: unknown = parse(text, { version: "1.1" });
  if (!isObj(doc) || !Array.isArray(doc.steps)) throw new Error("no steps");
  const out: Step[] = [];
  for (const s of doc.steps) {
    if (!isObj(s)) continue;
    if ("group" in s && Array.isArray(s.steps)) {
      for (const c of s.steps) if (isObj(c)) out.push({ step: c, condition: (c.if as string | undefined) ?? (s.if as string | undefined) });
    } else out.push({ step: s, condition: s.if as string | undefined });
  }
  return out;
}

const commandSteps = () => allSteps().filter(({ step }) => "command" in step || "commands" in step);
const byKey = (key: string) => {
  const found = allSteps().find(({ step }) => step.key === key);
  if (!found) throw new Error(`no step with key ${key}`);
  return found;
};

/** Plugins of a step as [name#version, options]. */
function plugins(step: Obj): [string, Obj][] {
  const list = step.plugins;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error("plugins must be a list");
  return list.map((p): [string, Obj] => {
    if (typeof p === "string") return [p, {}];
    if (isObj(p) && Object.keys(p).length === 1) {
      const [name] = Object.keys(p);
      const opts = p[name];
      return [name, isObj(opts) ? opts : {}];
    }
    throw new Error(`bad plugin entry ${JSON.stringify(p)}`);
  });
}

const PR = "build.pull_request.id != null";
const DEFAULT_BRANCH = "build.branch == pipeline.default_branch";

/** Options each plugin accepts (their plugin.yml; both declare additionalProperties: false or close to it). */
const PLUGIN_OPTIONS: Record<string, string[]> = {
  "pulumi#v1.0.0": ["version", "backend-url", "use-oidc", "audience", "pulumi-token-type", "pulumi-token-scope"],
  "aws-assume-role-with-web-identity#v1.6.0": [
    "role-arn",
    "role-session-name",
    "role-session-duration",
    "oidc-token-lifetime",
    "session-tags",
    "region",
    "credential-name-prefix",
    "hook",
  ],
};

describe(".buildkite/pipeline.yml", () => {
  it.skipIf(!schemaPath())("validates against Buildkite's pipeline schema (and the rules the schema cannot express)", () => {
    expect(validatePipelineYaml(text, { stored: false })).toEqual([]);
  });

  it("has no $ that upload-time interpolation would expand (runtime variables live in the scripts)", () => {
    expect(unescapedRuntimeVarsInYaml(text)).toEqual([]);
  });

  it.skipIf(!shellcheckBinary())("every command is shellcheck-clean, as the agent runs it ($$ turned into $)", async () => {
    for (const { step } of commandSteps()) expect([step.key, await shellcheck(stepScript(step))]).toEqual([step.key, []]);
  });

  it("every command runs an executable script of .buildkite/scripts with a known stack", () => {
    for (const { step } of commandSteps()) {
      const m = /^\.buildkite\/scripts\/([a-z-]+\.sh)(?: ([a-z]+))?$/.exec(stepScript(step));
      expect(m, `command of ${String(step.key)}`).not.toBeNull();
      const script = path.join(SCRIPTS, m?.[1] ?? "");
      expect(existsSync(script)).toBe(true);
      expect(statSync(script).mode & 0o111).not.toBe(0);
      if (m?.[2] !== undefined) expect(existsSync(path.join(ROOT, `Pulumi.${m[2]}.yaml`))).toBe(true);
    }
  });

  it("pins every plugin to an exact version, with only the options the plugin knows", () => {
    const all = allSteps().flatMap(({ step }) => plugins(step));
    expect(all.length).toBeGreaterThan(0);
    for (const [name, opts] of all) {
      expect(name).toMatch(/^[a-z0-9-]+(\/[a-z0-9-]+)?#v\d+\.\d+\.\d+$/);
      expect(Object.keys(PLUGIN_OPTIONS), name).toContain(name);
      for (const k of Object.keys(opts)) expect(PLUGIN_OPTIONS[name], `${name} option ${k}`).toContain(k);
    }
  });

  it("logs in by OIDC only: assume-role before pulumi, Pulumi Cloud token exchange fully configured", () => {
    // The CLI the plugin installs is the version of the SDK this repository installs.
    const sdk = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string };
    const docs = readFileSync(path.join(ROOT, "docs", "pr-previews.md"), "utf8");
    for (const { step } of commandSteps()) {
      const runsPulumi = /pulumi-(preview|up)\.sh/.test(stepScript(step));
      const ps = plugins(step);
      if (!runsPulumi) {
        // Tests and the offline diff get no credentials at all.
        expect([step.key, ps]).toEqual([step.key, []]);
        continue;
      }
      expect(ps.map(([n]) => n)).toEqual(["aws-assume-role-with-web-identity#v1.6.0", "pulumi#v1.0.0"]);
      const [[, aws], [, pulumi]] = ps;
      expect(aws["role-arn"]).toMatch(/^arn:aws:iam::\d{12}:role\/[\w+=,.@-]+$/);
      expect(docs).toContain(String(aws["role-arn"]));
      expect(pulumi["use-oidc"]).toBe(true);
      expect(pulumi.version).toBe(sdk.version);
      expect(pulumi.audience).toMatch(/^urn:pulumi:org:[\w.-]+$/);
      // The plugin stops when the token type or scope is empty; the scope must fit the type.
      const type = String(pulumi["pulumi-token-type"]);
      const scope = String(pulumi["pulumi-token-scope"]);
      expect(type).toMatch(/^urn:pulumi:token-type:access_token:(organization|team|personal)$/);
      if (type.endsWith(":team")) expect(scope).toMatch(/^team:[\w.-]+$/);
      if (type.endsWith(":personal")) expect(scope).toMatch(/^user:[\w.-]+$/);
      if (type.endsWith(":organization")) expect(scope).toBe("admin");
      // A preview only reads: it never gets the deploy role.
      if (stepScript(step).includes("pulumi-preview.sh")) expect(String(aws["role-arn"])).toMatch(/preview/);
    }
  });

  it("holds no secret values and no secret-looking environment", () => {
    const scripts = readdirSync(SCRIPTS).map((f) => readFileSync(path.join(SCRIPTS, f), "utf8"));
    const secretPatterns = [
      /AKIA[0-9A-Z]{16}/, // AWS access key id
      /aws_secret_access_key|AWS_SECRET_ACCESS_KEY\s*[:=]/i,
      /pul-[0-9a-f]{40}/, // Pulumi access token
      /depot_(org|project|user)_[A-Za-z0-9]{8,}/,
      /dckr_pat_/,
      /bkua_[A-Za-z0-9]/,
      /gh[pousr]_[A-Za-z0-9]{20,}/,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /PULUMI_ACCESS_TOKEN\s*[:=]/,
      /DEPOT_TOKEN\s*[:=]/,
    ];
    for (const body of [text, ...scripts]) for (const p of secretPatterns) expect(body).not.toMatch(p);
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isObj(v)) {
        for (const [k, x] of Object.entries(v)) {
          if (k === "env" && isObj(x)) {
            for (const name of Object.keys(x)) expect(name).not.toMatch(/(TOKEN|SECRET|PASSWORD|KEY|CREDENTIALS?)$/);
          }
          walk(x);
        }
      }
    };
    walk(parse(text));
  });

  it("tests every build, without a condition", () => {
    const test = byKey("test");
    expect(test.condition).toBeUndefined();
    expect(stepScript(test.step)).toBe(".buildkite/scripts/test.sh");
    const script = readFileSync(path.join(SCRIPTS, "test.sh"), "utf8");
    expect(script).toMatch(/^\.\/\.ci\/run$/m);
    // .ci/run is what runs npm ci and npm test.
    const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("on pull requests: an offline synth diff and a pulumi preview of every stack, annotated per stack", () => {
    for (const stack of STACKS) {
      const diff = byKey(`synth-diff-${stack}`);
      expect(diff.condition).toBe(PR);
      expect(stepScript(diff.step)).toBe(`.buildkite/scripts/synth-diff.sh ${stack}`);
      const preview = byKey(`pulumi-preview-${stack}`);
      expect(preview.condition).toBe(PR);
      expect(stepScript(preview.step)).toBe(`.buildkite/scripts/pulumi-preview.sh ${stack}`);
    }
    const synth = readFileSync(path.join(SCRIPTS, "synth-diff.sh"), "utf8");
    expect(synth).toContain('npm run --silent synth -- --stack "${stack}" --out "${out}" --diff "origin/${base_branch}"');
    expect(synth).toContain('buildkite-agent annotate --context "synth-${stack}" --style "${style}" <"${annotation}"');
    const preview = readFileSync(path.join(SCRIPTS, "pulumi-preview.sh"), "utf8");
    expect(preview).toContain('pulumi preview --diff --stack "${stack}"');
    expect(preview).toContain('buildkite-agent annotate --context "pulumi-${stack}" --style "${style}" <"${annotation}"');
  });

  it("on the default branch: pulumi up dev, then a block, then pulumi up prod, one deploy per stack at a time", () => {
    const dev = byKey("pulumi-up-dev");
    const block = byKey("approve-prod");
    const prod = byKey("pulumi-up-prod");
    for (const s of [dev, block, prod]) expect(s.condition).toBe(DEFAULT_BRANCH);
    expect(dev.step.depends_on).toBe("test");
    expect(block.step).toHaveProperty("block");
    expect(block.step.depends_on).toBe("pulumi-up-dev");
    expect(prod.step.depends_on).toBe("approve-prod");
    expect(stepScript(dev.step)).toBe(".buildkite/scripts/pulumi-up.sh dev");
    expect(stepScript(prod.step)).toBe(".buildkite/scripts/pulumi-up.sh prod");
    expect(dev.step).toMatchObject({ concurrency: 1, concurrency_group: "depot-buildkite/pulumi-dev" });
    expect(prod.step).toMatchObject({ concurrency: 1, concurrency_group: "depot-buildkite/pulumi-prod" });
    expect(readFileSync(path.join(SCRIPTS, "pulumi-up.sh"), "utf8")).toContain('pulumi up --yes --stack "${stack}"');
  });
});

describe(".buildkite/scripts/*.sh", () => {
  const files = readdirSync(SCRIPTS).filter((f) => f.endsWith(".sh"));

  it("are bash with strict mode, executable", () => {
    expect(files.sort()).toEqual(["pulumi-preview.sh", "pulumi-up.sh", "synth-diff.sh", "test.sh"]);
    for (const f of files) {
      const body = readFileSync(path.join(SCRIPTS, f), "utf8");
      expect(body.startsWith("#!/usr/bin/env bash\n")).toBe(true);
      const firstCommand = body.split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
      expect([f, firstCommand]).toEqual([f, "set -euo pipefail"]);
      expect(statSync(path.join(SCRIPTS, f)).mode & 0o111).not.toBe(0);
    }
  });

  it.skipIf(!shellcheckBinary())("are shellcheck-clean (shellcheck -s bash)", () => {
    const bin = shellcheckBinary() ?? "shellcheck";
    const r = spawnSync(bin, ["--norc", "-s", "bash", "-f", "gcc", ...files.map((f) => path.join(SCRIPTS, f))], { encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
