#!/usr/bin/env node
// The `tsfm` program's entry: checks the Node version before anything imports node:sqlite (Node >= 22.13),
// so an old Node gets one line saying what to install instead of a module-loader error.
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `tsfm: Node ${process.version} is too old; tsfm needs Node >= 22.13 (for node:sqlite). Install a newer Node, or run \`bash scripts/setup.sh\`, which provides Node 24 under node_modules/.bin`,
  );
  process.exit(1);
}
await import('./program.js');
