// Runs a compiled consumer program under Pulumi's mocks, in its own process, and prints what it
// registered as JSON. Usage: node consumer-runner.cjs <consumer dir> (the program is <dir>/bin/index.js).
//
// Everything is resolved from the consumer's own node_modules, exactly as `pulumi up` would load
// it: the mocks are set on the consumer's @pulumi/pulumi BEFORE its program is required.
"use strict";
const path = require("path");

const dir = path.resolve(process.argv[2]);
const fromConsumer = (id) => require.resolve(id, { paths: [dir] });
const pulumi = require(fromConsumer("@pulumi/pulumi"));

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";

/** Fake provider outputs for the types the example reads. */
function state(type, name, inputs) {
  switch (type) {
    case "aws:ecr/repository:Repository":
      return {
        arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${inputs.name}`,
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${inputs.name}`,
        registryId: ACCOUNT,
      };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/agent.buildkite.com` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    case "buildkite:Pipeline/pipeline:Pipeline":
      return { webhookUrl: `https://webhook.buildkite.com/deliver/${name}` };
    default:
      return {};
  }
}

const created = [];
const calls = [];

async function main() {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        created.push({ type: args.type, name: args.name, custom: args.custom, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...state(args.type, args.name, args.inputs) } };
      },
      call(args) {
        calls.push(args.token);
        if (args.token === "aws:index/getRegion:getRegion") return { region: REGION, name: REGION, id: REGION };
        return args.inputs;
      },
    },
    "depot-buildkite-consumer",
    "dev",
    false,
  );
  const program = require(path.join(dir, "bin", "index.js"));
  const outputs = {};
  for (const [key, value] of Object.entries(program)) {
    outputs[key] = await new Promise((resolve) => pulumi.output(value).apply(resolve));
  }
  const waitForRPCs = pulumi.runtime.waitForRPCs;
  if (typeof waitForRPCs === "function") await waitForRPCs();

  const libraryDir = path.dirname(fromConsumer("depot-buildkite/package.json"));
  const resolveFrom = (id, from) => require.resolve(id, { paths: [from] });
  process.stdout.write(
    JSON.stringify({
      created,
      calls,
      outputs,
      // One copy of the SDK: the consumer's and the library's @pulumi/pulumi must be the same file.
      sdkFromConsumer: fromConsumer("@pulumi/pulumi"),
      sdkFromLibrary: resolveFrom("@pulumi/pulumi", libraryDir),
      // Depot's dynamic providers require @depot/sdk-node at deploy time from the consumer's root.
      depotSdkFromConsumer: fromConsumer("@depot/sdk-node"),
      libraryVersion: require(path.join(libraryDir, "package.json")).version,
    }),
  );
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
