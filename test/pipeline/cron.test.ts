import { describe, expect, it } from "vitest";
import { cronlineProblems } from "../../components/pipeline/cron";

describe("cronlineProblems (Buildkite schedule intervals)", () => {
  it.each([
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "0 3 * * *",
    "*/10 * * * *",
    "*/15 * * * *",
    "0 0 L * *",
    "0 0 last * *",
    "0 0 -2-L * *",
    "0 0 -2 * *",
    "0 0 * * 2%2+1",
    "0 0 * * 1#2",
    "0 0 15-L * *",
    "0 0 0%3 * *",
    "0 0 * * sun#2",
    "0 0 * * tue#-1",
    "0 0 L,15 * *",
    "0 9 * * MON-FRI",
    "30 * * * *",
    "0 */4 * * *",
    "0 8 * * 1-5",
    "0 0 */2 * * +01:00",
    "0 22 * * 0 -05:00",
    "0 3 * * * Australia/Melbourne",
    "0 3 * * * Europe/Berlin",
    "0,30 8-18/2 1,15 JAN-jun MON-fri",
    "0 0 * * 7",
    "  0 3 * * *  ",
  ])("accepts %j", (line) => {
    expect(cronlineProblems(line)).toEqual([]);
  });

  it.each([
    ["", "must not be empty"],
    ["   ", "must not be empty"],
    ["@nightly", '"@nightly" is not a predefined interval; expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly'],
    ["0 3 * *", '"0 3 * *" must have five fields (minute hour day-of-month month day-of-week) and an optional time zone, or be one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly'],
    ["0 3 * * * UTC extra", '"0 3 * * * UTC extra" must have five fields'],
    ["0 25 * * *", '"0 25 * * *": hour "25" must use values 0-23'],
    ["61 * * * *", '"61 * * * *": minute "61" must use values 0-59'],
    ["0 0 0 * *", '"0 0 0 * *": day of month "0" must use values 1-31'],
    ["0 0 1 13 *", '"0 0 1 13 *": month "13" must use values 1-12 or JAN-DEC'],
    ["0 0 * * 8", '"0 0 * * 8": day of week "8" must use values 0-7 or SUN-SAT'],
    ["0 0 * * funday", '"0 0 * * funday": day of week "funday" must use values 0-7 or SUN-SAT'],
    ["0 0 31-1 * *", '"0 0 31-1 * *": day of month "31-1" has a range that runs backwards'],
    ["*/0 * * * *", '"*/0 * * * *": minute "*/0" is not a list of *, N or N-M with an optional /STEP'],
    ["0 0 L,99 * *", '"0 0 L,99 * *": day of month "L,99" must use values 1-31'],
    ["0 0 -99 * *", '"0 0 -99 * *": day of month "-99" must use values 1-31'],
    ["0 0 99%0 * *", '"0 0 99%0 * *": day of month "99%0" must use values 1-31'],
    ["0 0 * * banana#9", '"0 0 * * banana#9": day of week "banana#9" must use values 0-7 or SUN-SAT'],
    ["0 0 * * L", '"0 0 * * L": day of week "L" must use values 0-7 or SUN-SAT'],
    ["* * * * *", '"* * * * *": minute "*" runs more often than every 10 minutes, which Buildkite does not schedule'],
    ["*/5 * * * *", '"*/5 * * * *": minute "*/5" runs more often than every 10 minutes'],
    ["0 3 * * * Mars/Olympus", '"0 3 * * * Mars/Olympus": time zone "Mars/Olympus" is neither an IANA name (e.g. Europe/Berlin) nor an offset (e.g. +09:00)'],
    ["0 3 * * * +25:00", '"0 3 * * * +25:00": time zone "+25:00" is neither'],
  ])("refuses %j", (line, message) => {
    const problems = cronlineProblems(line);
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(message)).toBe(true);
  });

  it("reports every bad field at once", () => {
    expect(cronlineProblems("99 99 * * *")).toEqual(['"99 99 * * *": minute "99" must use values 0-59', '"99 99 * * *": hour "99" must use values 0-23']);
  });
});
