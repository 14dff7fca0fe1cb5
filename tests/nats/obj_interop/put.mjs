// Puts a file into an object store with @nats-io/obj (creating the bucket when missing) and
// prints the ObjectInfo it returns.
// Usage: NODE_PATH=.../node_modules node put.mjs URL BUCKET NAME FILE [META_JSON]
// META_JSON: {"description": "...", "metadata": {"k": "v"}, "headers": {"K": ["v"]},
//             "max_chunk_size": 4096}
import { readFileSync } from 'node:fs';

import { headers, infoJson, withBucket } from './common.mjs';

const [url, bucket, name, file, metaJson] = process.argv.slice(2);
const extra = metaJson ? JSON.parse(metaJson) : {};
const meta = { name, description: extra.description, metadata: extra.metadata };
if (extra.headers) {
  meta.headers = headers();
  for (const [key, values] of Object.entries(extra.headers)) {
    for (const value of values) meta.headers.append(key, value);
  }
}
if (extra.max_chunk_size) meta.options = { max_chunk_size: extra.max_chunk_size };

await withBucket(url, bucket, async (store) => {
  const info = await store.putBlob(meta, new Uint8Array(readFileSync(file)));
  console.log(JSON.stringify(infoJson(info)));
}, { create: true });
