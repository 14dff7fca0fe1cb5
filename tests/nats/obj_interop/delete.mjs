// Deletes an object with @nats-io/obj and prints the purge response as JSON.
// Usage: NODE_PATH=.../node_modules node delete.mjs URL BUCKET NAME
import { withBucket } from './common.mjs';

const [url, bucket, name] = process.argv.slice(2);

await withBucket(url, bucket, async (store) => {
  console.log(JSON.stringify(await store.delete(name)));
});
