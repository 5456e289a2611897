/**
 * The project's static checks (`deno task check`): formatting, lint, type
 * check, `deno doc --lint` of every package entry point, and a publish dry
 * run. Stops at the first failing step.
 *
 * @module
 */
const root = new URL("../", import.meta.url);
const workspace = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
  workspace: string[];
};
// Every entry point of every workspace member: a package is added in one place only.
const entries: string[] = [];
for (const member of workspace.workspace) {
  const dir = member.replace(/^\.\//, "");
  const config = JSON.parse(await Deno.readTextFile(new URL(`${dir}/deno.json`, root))) as {
    exports: string | Record<string, string>;
  };
  const exports = typeof config.exports === "string"
    ? [config.exports]
    : Object.values(config.exports);
  for (const path of exports) entries.push(`${dir}/${path.replace(/^\.\//, "")}`);
}

const steps: [string, string[]][] = [
  ["fmt", ["fmt", "--check"]],
  ["lint", ["lint"]],
  ["type check", ["check", "."]],
  ["doc lint", ["doc", "--lint", ...entries]],
  ["publish dry run", ["publish", "--dry-run", "--allow-dirty"]],
];

for (const [name, args] of steps) {
  console.log(`check: ${name}`);
  const { success } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!success) {
    console.error(`check: ${name} failed`);
    Deno.exit(1);
  }
}
console.log("check: all passed");
