/**
 * scripts/fetch-depot-cli.ts against the npm registry: the pinned tarball is fetched and checked,
 * and a tarball that does not match the pinned sha512 is refused with nothing left behind.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pin from "../../scripts/depot-cli.json";
import { depotCliSupported, ensureDepotCli } from "../../scripts/fetch-depot-cli";
import { execFileSync } from "node:child_process";

const dir = mkdtempSync(path.join(os.tmpdir(), "depot-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(depotCliSupported())("fetch-depot-cli", () => {
  it("fetches the pinned package, checks it and installs the binary", () => {
    const dest = path.join(dir, "ok", "depot");
    expect(ensureDepotCli(pin, dest)).toBe(dest);
    expect(execFileSync(dest, ["--version"], { encoding: "utf8" })).toContain(pin.version);
    // Already there: returned as it is.
    expect(ensureDepotCli(pin, dest)).toBe(dest);
  });

  it("refuses a tarball whose sha512 is not the pinned one, and leaves nothing behind", () => {
    const dest = path.join(dir, "bad", "depot");
    const wrong = `sha512-${"A".repeat(86)}==`;
    expect(() => ensureDepotCli({ ...pin, integrity: wrong }, dest)).toThrow(`is not the pinned ${wrong}`);
    expect(existsSync(dest)).toBe(false);
  });

  it("says why when npm cannot fetch the package", () => {
    const dest = path.join(dir, "missing", "depot");
    expect(() => ensureDepotCli({ ...pin, package: "@depot/cli-linux-x64@0.0.0-does-not-exist" }, dest)).toThrow(
      /npm pack @depot\/cli-linux-x64@0\.0\.0-does-not-exist failed: .*(ETARGET|No matching version)/s,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it("refuses a binary that reports another version", () => {
    const dest = path.join(dir, "version", "depot");
    expect(() => ensureDepotCli({ ...pin, version: "9.9.9" }, dest)).toThrow("not 9.9.9");
    expect(existsSync(dest)).toBe(false);
  });
});
