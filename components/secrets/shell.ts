/**
 * Pure shell rendering helpers shared by the environment hook and the Elastic CI Stack env file.
 */

/**
 * Quote any string as one bash word. Single quotes keep `$`, backslashes, double quotes, spaces
 * and newlines literal; an embedded `'` becomes `'\''`.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A `case` pattern matching `value` literally. */
export function literalPattern(value: string): string {
  return shellQuote(value);
}

/**
 * A `case` pattern for a branch pattern where `*` is the only wildcard (any run of characters,
 * `/` included) and everything else is literal: `release/*` -> `'release/'*`.
 */
export function globPattern(pattern: string): string {
  return pattern
    .split("*")
    .map((part) => (part === "" ? "" : shellQuote(part)))
    .join("*");
}

/** One level of gating: run the body only when `variable` matches one of `patterns`. */
export interface ShellGuard {
  /** Variable tested, e.g. `BUILDKITE_BRANCH` (read as `${VAR:-}`, safe under `set -u`). */
  variable: string;
  /** Rendered `case` patterns (see {@link literalPattern}, {@link globPattern}). */
  patterns: string[];
}

function indentStatement(statement: string, prefix: string): string {
  // Only the first line is indented: later lines may sit inside a quoted multi-line value.
  return `${prefix}${statement}`;
}

/**
 * Wrap `body` statements in nested `case` blocks, one per guard (outermost first). With no guards
 * the body is returned unchanged, indented by `prefix`.
 */
export function guarded(guards: ShellGuard[], body: string[], prefix = ""): string[] {
  if (guards.length === 0) return body.map((s) => indentStatement(s, prefix));
  const [first, ...rest] = guards;
  return [
    `${prefix}case "\${${first.variable}:-}" in`,
    `${prefix}  ${first.patterns.join(" | ")})`,
    ...guarded(rest, body, `${prefix}    `),
    `${prefix}    ;;`,
    `${prefix}esac`,
  ];
}

/** Guards for optional branch and step key restrictions, in that order. */
export function branchAndStepGuards(branches?: string[], stepKeys?: string[]): ShellGuard[] {
  const guards: ShellGuard[] = [];
  if (branches !== undefined) guards.push({ variable: "BUILDKITE_BRANCH", patterns: branches.map(globPattern) });
  if (stepKeys !== undefined) guards.push({ variable: "BUILDKITE_STEP_KEY", patterns: stepKeys.map(literalPattern) });
  return guards;
}
