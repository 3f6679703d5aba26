/**
 * Buildkite schedule intervals (`cronline`), checked before `pulumi up` sends them: a predefined
 * interval (`@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`), or five crontab
 * fields (minute, hour, day of month, month, day of week) with an optional time zone, an IANA name
 * such as `Europe/Berlin` or an offset such as `+09:00`. Each field is a comma-separated list of
 * `*`, `N` or `N-M`, each optionally `/STEP`; months and days of the week also take their
 * three-letter English names. Buildkite's extensions in the day fields (`L`, `last`, `-2`, `-2-L`,
 * `1#2`, `2%2+1`) are accepted item by item, in the field they belong to. Buildkite runs schedules
 * at most every 10 minutes, so a minute field of `*`, or `*` with a step under 10, is refused (other
 * dense minute lists are left to Buildkite).
 */

/** The intervals Buildkite predefines. */
export const PREDEFINED_INTERVALS = ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly"] as const;

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names for values, the first one standing for `min`. */
  names?: string[];
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in most crontabs.
  { name: "day of week", min: 0, max: 7, names: DAYS },
];

function value(text: string, field: Field): number | undefined {
  if (/^[0-9]{1,2}$/.test(text)) return Number(text);
  const i = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return i >= 0 ? field.min + i : undefined;
}

/**
 * Buildkite's (fugit's) day-field extensions, item by item: in the day of month `L` / `last`, a day
 * counted from the end (`-2`) or a range to the last day (`-2-L`, `15-L`); in the day of week the nth
 * weekday of the month (`1#2`, `sun#-1`, `fri#L`); in either, a modulo (`0%3`, `2%2+1`).
 */
const DOM_DAY = "(?:[1-9]|[12][0-9]|3[01])";
const DOW_DAY = "(?:[0-7]|sun|mon|tue|wed|thu|fri|sat)";
const MODULO = "%[1-9][0-9]?(?:\\+[0-9]{1,2})?";
const DAY_EXTENSIONS: Readonly<Record<string, RegExp>> = {
  "day of month": new RegExp(`^(?:l|last|-${DOM_DAY}(?:-l)?|${DOM_DAY}-l|(?:0|${DOM_DAY})${MODULO})$`, "i"),
  "day of week": new RegExp(`^(?:${DOW_DAY}#(?:-?[1-5]|l)|${DOW_DAY}${MODULO})$`, "i"),
};

function fieldProblem(text: string, field: Field): string | undefined {
  const extension = DAY_EXTENSIONS[field.name];
  const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0].toUpperCase()}-${field.names[field.names.length - 1].toUpperCase()}` : ""}`;
  for (const item of text.split(",")) {
    if (extension?.test(item)) continue;
    const m = /^([^/]+)(?:\/([0-9]+))?$/.exec(item);
    if (!m || (m[2] !== undefined && Number(m[2]) === 0)) return `${field.name} ${JSON.stringify(text)} is not a list of *, N or N-M with an optional /STEP`;
    if (m[1] === "*") continue;
    const [from, to, ...rest] = m[1].split("-");
    const a = value(from, field);
    const b = to === undefined ? a : value(to, field);
    if (rest.length > 0 || a === undefined || b === undefined || a < field.min || a > field.max || b < field.min || b > field.max) {
      return `${field.name} ${JSON.stringify(text)} must use values ${range}`;
    }
    if (b < a) return `${field.name} ${JSON.stringify(text)} has a range that runs backwards`;
  }
  return undefined;
}

function timeZoneProblem(zone: string): string | undefined {
  if (/^[+-](?:0[0-9]|1[0-4]):[0-5][0-9]$/.test(zone)) return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return undefined;
  } catch {
    return `time zone ${JSON.stringify(zone)} is neither an IANA name (e.g. Europe/Berlin) nor an offset (e.g. +09:00)`;
  }
}

/** Problems with a `cronline` (empty when Buildkite's interval syntax accepts it). */
export function cronlineProblems(cronline: string): string[] {
  const text = cronline.trim();
  if (text === "") return ["must not be empty"];
  if (text.startsWith("@")) {
    return (PREDEFINED_INTERVALS as readonly string[]).includes(text)
      ? []
      : [`${JSON.stringify(text)} is not a predefined interval; expected one of ${PREDEFINED_INTERVALS.join(", ")}`];
  }
  const parts = text.split(/\s+/);
  if (parts.length < 5 || parts.length > 6) {
    return [`${JSON.stringify(text)} must have five fields (minute hour day-of-month month day-of-week) and an optional time zone, or be one of ${PREDEFINED_INTERVALS.join(", ")}`];
  }
  const problems = FIELDS.flatMap((f, i) => fieldProblem(parts[i], f) ?? []);
  const every = /^\*(?:\/([0-9]+))?$/.exec(parts[0]);
  if (every && every[1] !== "0" && Number(every[1] ?? 1) < 10) problems.push(`minute ${JSON.stringify(parts[0])} runs more often than every 10 minutes, which Buildkite does not schedule`);
  const zone = parts.length === 6 ? timeZoneProblem(parts[5]) : undefined;
  if (zone !== undefined) problems.push(zone);
  return problems.map((p) => `${JSON.stringify(text)}: ${p}`);
}
