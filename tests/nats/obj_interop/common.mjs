// Shared by the interop scripts: the official JavaScript clients, loaded from the node_modules
// directory NODE_PATH names (tools/npm/node_modules), and ObjectInfo as JSON.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const modules = (process.env.NODE_PATH ?? '').split(':').find((p) => p !== '');
if (!modules) {
  console.error('NODE_PATH must name the node_modules directory holding @nats-io/obj');
  process.exit(2);
}
const require = createRequire(join(modules, '..', 'package.json'));
const { connect, headers } = require('@nats-io/transport-node');
const { Objm } = require('@nats-io/obj');

export { headers };

// Runs `body(store)` against bucket `bucket` of the server at `url` (created first when
// `create`), then closes the connection; any failure is printed and exits 1.
export async function withBucket(url, bucket, body, { create = false } = {}) {
  const nc = await connect({ servers: url, name: 'wcloud-obj-interop' });
  try {
    const objm = new Objm(nc);
    const store = await (create ? objm.create(bucket) : objm.open(bucket));
    await body(store);
  } catch (err) {
    console.error(err?.stack ?? String(err));
    process.exitCode = 1;
  } finally {
    await nc.close();
  }
}

// MsgHdrs (from info()) or the stored record (from list()) as {name: [values]}.
function headersJson(h) {
  if (!h) return {};
  if (typeof h.keys === 'function') return Object.fromEntries(h.keys().map((k) => [k, h.values(k)]));
  return h;
}

// Every field @nats-io/obj reports, as plain JSON.
export function infoJson(info) {
  if (info === null) return null;
  return {
    name: info.name,
    description: info.description,
    bucket: info.bucket,
    nuid: info.nuid,
    size: info.size,
    chunks: info.chunks,
    digest: info.digest,
    deleted: info.deleted,
    mtime: info.mtime,
    metadata: info.metadata,
    headers: headersJson(info.headers),
    options: info.options ?? {},
  };
}
