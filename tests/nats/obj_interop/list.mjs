// Lists an object store with @nats-io/obj (deleted objects left out) and prints the infos as a
// JSON array sorted by name.
// Usage: NODE_PATH=.../node_modules node list.mjs URL BUCKET
import { infoJson, withBucket } from './common.mjs';

const [url, bucket] = process.argv.slice(2);

await withBucket(url, bucket, async (store) => {
  const infos = (await store.list()).map(infoJson);
  infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  console.log(JSON.stringify(infos));
});
