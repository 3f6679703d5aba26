/**
 * The bash script of one image step, in agent form (the renderer escapes it for storage).
 *
 * Sections, in order:
 * 1. `set -euo pipefail`;
 * 2. OIDC: drop any `DEPOT_TOKEN` / `DEPOT_API_TOKEN` and hide a stored `depot login` token (both
 *    silently win over OIDC); token modes: fail fast when `DEPOT_TOKEN` is empty;
 * 3. the depot CLI: install the pinned version into a per-agent directory unless `depot --version`
 *    already reports it (`cli.install: script`), or check that it is on PATH (`preinstalled`);
 * 4. runtime values, each only when used: the commit's full SHA (`{commit}` / `{short_commit}` in
 *    a tag, build arg or label), the tag-safe branch (`{branch}` in a tag), a guard for `{tag}`;
 * 5. `depot build ...`;
 * 6. the image's `commands`, when it has any.
 */
import { ENV } from "../naming";
import { depotBuildArgGroups } from "./depot-args";
import type { ImageBuild, PipelineModel } from "./model";
import { quoteWord, singleQuote } from "./shell";
import { BRANCH_TAG_VAR, branchTagBudget, COMMIT_TAG_VAR, tagVariables, valueVariables } from "./tags";

/** Where `depot login` keeps its token (viper key `api_token`). */
export const DEPOT_LOGIN_CONFIG = "${XDG_CONFIG_HOME:-${HOME}/.config}/depot/depot.yaml";

function echoErr(message: string): string {
  return `echo ${singleQuote(message)} >&2`;
}

function oidcGuard(): string[] {
  return [
    "# OIDC: any DEPOT_TOKEN, or a token stored by 'depot login', silently wins over the trust relationship.",
    'if [[ -n "${DEPOT_TOKEN:-}" || -n "${DEPOT_API_TOKEN:-}" ]]; then',
    `  ${echoErr(
      "WARNING: DEPOT_TOKEN or DEPOT_API_TOKEN is set for this job (agent environment hook, secret or env?). " +
        "It would silently replace OIDC authentication with Depot; unsetting it for this step. " +
        "Stop delivering a Depot token to this pipeline.",
    )}`,
    "  unset DEPOT_TOKEN DEPOT_API_TOKEN",
    "fi",
    `depot_login_config="${DEPOT_LOGIN_CONFIG}"`,
    "if [[ -f \"${depot_login_config}\" ]] && grep -Eq '^[[:space:]]*api_token:[[:space:]]*[^[:space:]]' \"${depot_login_config}\"; then",
    '  echo "WARNING: ${depot_login_config} holds a token from \'depot login\' on this agent; it would silently replace OIDC authentication. Using an empty XDG_CONFIG_HOME for this step." >&2',
    '  XDG_CONFIG_HOME="$(mktemp -d)"',
    "  export XDG_CONFIG_HOME",
    "  trap 'rm -rf \"${XDG_CONFIG_HOME}\"' EXIT",
    "fi",
  ];
}

function tokenSource(model: PipelineModel): string {
  switch (model.secretsBackend) {
    case "buildkite": {
      const key = model.secretEnv[ENV.depotToken];
      return `the Buildkite cluster secret ${key ?? "(none mapped)"} (read through the secrets: attribute of this step, agent >= 3.106)`;
    }
    case "hook":
      return `the agent environment hook (it exports DEPOT_TOKEN when BUILDKITE_PIPELINE_SLUG is ${model.slug})`;
    case "elastic-stack":
      return `the Elastic CI Stack secrets bucket (env or ${model.slug}/env)`;
    default: {
      const never: never = model.secretsBackend;
      throw new Error(`unknown secrets backend ${String(never)}`);
    }
  }
}

function tokenCheck(model: PipelineModel): string[] {
  const kind = model.auth === "user-token" ? "a user token" : "a project token";
  return [
    'if [[ -z "${DEPOT_TOKEN:-}" ]]; then',
    `  ${echoErr(
      `ERROR: DEPOT_TOKEN is empty. Pipeline ${model.slug} authenticates to Depot with ${kind}, ` +
        `expected from ${tokenSource(model)}.`,
    )}`,
    "  exit 1",
    "fi",
  ];
}

function cliSetup(model: PipelineModel): string[] {
  const version = model.cli.version;
  if (model.cli.install === "preinstalled") {
    return [
      "if ! command -v depot >/dev/null 2>&1; then",
      `  ${echoErr("ERROR: the depot CLI is not on PATH; this pipeline expects it preinstalled on the agent (cli.install: preinstalled).")}`,
      "  exit 1",
      "fi",
    ];
  }
  const v = singleQuote(version);
  return [
    `depot_cli_version=${v}`,
    'depot_cli_dir="${HOME}/.buildkite-depot/${BUILDKITE_AGENT_NAME:-agent}/cli-${depot_cli_version}"',
    'export PATH="${depot_cli_dir}:${PATH}"',
    'if [[ "$(depot --version 2>/dev/null || true)" != "depot version ${depot_cli_version} "* ]]; then',
    '  echo "--- :depot: Installing depot CLI ${depot_cli_version} into ${depot_cli_dir}"',
    '  curl -fsSL https://depot.dev/install-cli.sh | DEPOT_INSTALL_DIR="${depot_cli_dir}" sh -s "${depot_cli_version}"',
    "fi",
  ];
}

function runtimeTagValues(image: ImageBuild): string[] {
  const templates = [...(image.destinations.length > 0 || image.load ? image.tags : []), ...(image.save ? image.saveTags : [])];
  const used = new Set(templates.flatMap(tagVariables));
  // Build-arg and label values may use the variables too ({branch} there is the raw branch).
  const inValues = new Set([...Object.values(image.buildArgs), ...Object.values(image.labels)].flatMap(valueVariables));
  const lines: string[] = [];
  if (used.has("commit") || used.has("short_commit") || inValues.has("commit") || inValues.has("short_commit")) {
    const v = COMMIT_TAG_VAR;
    lines.push(
      "# {commit}: the full SHA being built. A build started for HEAD (from the dashboard or the API)",
      "# has BUILDKITE_COMMIT=HEAD, so anything but a full SHA is resolved from the checkout.",
      `${v}="\${BUILDKITE_COMMIT:-}"`,
      `if [[ ! "\${${v}}" =~ ^[0-9a-f]{40}$ ]]; then`,
      `  ${v}="$(git rev-parse --verify HEAD)" || {`,
      `    ${echoErr("ERROR: BUILDKITE_COMMIT is not a commit SHA and git rev-parse HEAD failed; cannot tag the image with the commit.")}`,
      "    exit 1",
      "  }",
      "fi",
    );
  }
  if (used.has("branch")) {
    const budget = branchTagBudget(templates);
    const v = BRANCH_TAG_VAR;
    lines.push(
      "# {branch} in a tag: the branch with every byte outside [A-Za-z0-9_.-] replaced by '-' (C locale,",
      `# so the result does not depend on the agent's locale), leading '.' and '-' removed, cut to ${budget} characters.`,
      `${v}="$(printf '%s' "\${BUILDKITE_BRANCH:-}" | LC_ALL=C tr -c 'A-Za-z0-9_.-' '-')"`,
      `while [[ "\${${v}}" == [.-]* ]]; do ${v}="\${${v}:1}"; done`,
      `${v}="\${${v}:0:${budget}}"`,
      `${v}="\${${v}:-branch}"`,
    );
  }
  if (used.has("tag") || inValues.has("tag")) {
    lines.push(
      'if [[ -z "${BUILDKITE_TAG:-}" ]]; then',
      `  ${echoErr("ERROR: this image uses {tag} in a tag, build arg or label, but this build is not for a git tag (BUILDKITE_TAG is empty).")}`,
      "  exit 1",
      "fi",
    );
  }
  return lines;
}

function buildCommand(image: ImageBuild, model: PipelineModel): string[] {
  const argGroups = depotBuildArgGroups(image, model);
  const groups = argGroups.map((g) => g.map(quoteWord).join(" "));
  // Literal values are single-quoted on purpose; a `$`, backtick or backslash in one is meant
  // literally, which shellcheck would otherwise flag as a likely mistake (SC2016, SC1003).
  const literalSpecials = argGroups.some((g) => g.some((w) => w.parts.some((p) => "text" in p && /[$`\\]/.test(p.text))));
  return [
    ...(literalSpecials ? ["# shellcheck disable=SC1003,SC2016"] : []),
    "depot build \\",
    ...groups.map((g, i) => `  ${g}${i < groups.length - 1 ? " \\" : ""}`),
  ];
}

/** The step script in agent form (what bash runs). */
export function renderStepScript(image: ImageBuild, model: PipelineModel): string {
  const sections: string[][] = [["set -euo pipefail"]];
  sections.push(model.auth === "oidc" ? oidcGuard() : tokenCheck(model));
  sections.push(cliSetup(model));
  const tagValues = runtimeTagValues(image);
  if (tagValues.length > 0) sections.push(tagValues);
  sections.push([`echo "+++ :depot: depot build ${image.key}"`, ...buildCommand(image, model)]);
  // The image's own commands, as written: runtime variables in them expand when the job runs.
  if (image.commands && image.commands.length > 0) sections.push([`echo "+++ :docker: ${image.key}: commands after the build"`, ...image.commands]);
  return sections.map((s) => s.join("\n")).join("\n\n");
}
