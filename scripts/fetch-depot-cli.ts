/**
 * Fetch the real depot CLI that the conformance tests run (`depot build --help <argv>` must accept
 * every flag the renderer writes) into `.cache/depot-cli/<version>/depot`.
 *
 * It is a test tool, not a dependency: as an (optional) dependency, every consumer of the library
 * on linux-x64 would download its 50 MB. The version is the one pipelines install by default
 * (`DEFAULT_DEPOT_CLI_VERSION`, checked by a test); the tarball comes from the npm registry through
 * `npm pack` and must match the sha512 pinned in `scripts/depot-cli.json`.
 *
 *   npm run depot-cli          # prints the binary's path
 *
 * The vitest global setup calls {@link ensureDepotCli} too, so `npm test` fetches it on first use.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import pin from "./depot-cli.json";

const ROOT = path.resolve(__dirname, "..");

/** The depot CLI version the tests run, from `scripts/depot-cli.json`. */
export const DEPOT_CLI_VERSION: string = pin.version;

/**
 * Where the binary lives once fetched: keyed by version and by the pinned sha512, so a changed pin
 * never reuses a binary checked against the old one.
 */
export const DEPOT_CLI_PATH = cachePath(pin);

/** `.cache/depot-cli/<version>-<first 12 hex digits of the sha512>/depot`. */
export function cachePath(wanted: { version: string; integrity: string }): string {
  const hex = Buffer.from(wanted.integrity.replace(/^sha512-/, ""), "base64").toString("hex").slice(0, 12);
  return path.join(ROOT, ".cache", "depot-cli", `${wanted.version}-${hex}`, "depot");
}

/** The binaries are published for linux-x64 here (other platforms: set DEPOT_BINARY_PATH). */
export function depotCliSupported(): boolean {
  return process.platform === "linux" && process.arch === "x64";
}

function sha512(file: string): string {
  return `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
}

/** What to fetch and where to put it (the defaults: `scripts/depot-cli.json` and {@link DEPOT_CLI_PATH}). */
export interface DepotCliPin {
  version: string;
  /** npm package spec, `name@version`. */
  package: string;
  /** sha512 of the package tarball, in npm's `sha512-<base64>` form. */
  integrity: string;
}

/**
 * The binary's path, fetched first when it is not there yet. Throws with the reason when it cannot
 * be fetched (no registry, a tarball that does not match the pinned sha512, a binary that reports
 * another version); nothing is left at `dest` then.
 */
export function ensureDepotCli(wanted: DepotCliPin = pin, dest = cachePath(wanted)): string {
  if (existsSync(dest)) return dest;
  if (!depotCliSupported()) throw new Error(`the depot CLI package ${wanted.package} runs on linux-x64 only (this is ${process.platform}-${process.arch})`);
  const dir = path.dirname(dest);
  mkdirSync(dir, { recursive: true });
  const tmp = mkdtempSync(path.join(dir, ".fetch-"));
  try {
    let out: string;
    try {
      out = execFileSync("npm", ["pack", wanted.package, "--pack-destination", tmp, "--json", "--loglevel=error"], { cwd: tmp, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const stderr = String((e as { stderr?: unknown }).stderr ?? "").trim();
      throw new Error(`npm pack ${wanted.package} failed${stderr ? `: ${stderr}` : ""}`);
    }
    const [packed] = JSON.parse(out) as { filename: string }[];
    const tarball = path.join(tmp, path.basename(packed.filename));
    const actual = sha512(tarball);
    if (actual !== wanted.integrity) throw new Error(`${wanted.package}: the tarball's ${actual} is not the pinned ${wanted.integrity}`);
    execFileSync("tar", ["-xzf", tarball, "-C", tmp, "package/bin/depot"]);
    const binary = path.join(tmp, "package", "bin", "depot");
    chmodSync(binary, 0o755);
    const version = execFileSync(binary, ["--version"], { encoding: "utf8" });
    if (!version.includes(wanted.version)) throw new Error(`${wanted.package}: the binary reports ${JSON.stringify(version.trim())}, not ${wanted.version}`);
    // Atomic: a concurrent fetch either finds the finished binary or replaces it with the same one.
    renameSync(binary, dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.stdout.write(`${ensureDepotCli()}\n`);
  } catch (e) {
    process.stderr.write(`fetch-depot-cli: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
