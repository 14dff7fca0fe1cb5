// A `jco run --jco-import` module that gives the guest exactly the environment and preopens a
// test names, instead of jco's defaults (the whole host environment and "/" preopened as "/").
//   WCLOUD_NODE_MODULES   the node_modules holding @bytecodealliance/preview2-shim
//   WCLOUD_GUEST_ENV      NAME=VALUE lines (may be empty)
//   WCLOUD_GUEST_PREOPENS GUEST::HOST entries separated by ";" (may be empty)
// The shim is imported by its real path, which is the module instance jco's generated code uses
// (node resolves the symlink jco run creates to the same file).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const shim = join(process.env.WCLOUD_NODE_MODULES, '@bytecodealliance/preview2-shim/dist/nodejs');
const cli = await import(pathToFileURL(join(shim, 'cli.js')));
const filesystem = await import(pathToFileURL(join(shim, 'filesystem.js')));

const env = {};
for (const line of (process.env.WCLOUD_GUEST_ENV ?? '').split('\n')) {
  const eq = line.indexOf('=');
  if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
}
cli._setEnv(env);

filesystem._setPreopens({});
for (const entry of (process.env.WCLOUD_GUEST_PREOPENS ?? '').split(';')) {
  const sep = entry.indexOf('::');
  if (sep > 0) filesystem._addPreopen(entry.slice(0, sep), entry.slice(sep + 2));
}
