// Reads an object with @nats-io/obj (which checks its digest), writes its bytes to a file and
// prints its info as JSON ("null" when there is no such object).
// Usage: NODE_PATH=.../node_modules node get.mjs URL BUCKET NAME OUT_FILE
import { writeFileSync } from 'node:fs';

import { infoJson, withBucket } from './common.mjs';

const [url, bucket, name, out] = process.argv.slice(2);

await withBucket(url, bucket, async (store) => {
  const data = await store.getBlob(name);
  if (data === null) {
    console.log('null');
    return;
  }
  writeFileSync(out, data);
  console.log(JSON.stringify(infoJson(await store.info(name))));
});
