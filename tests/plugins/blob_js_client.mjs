// The official JavaScript object store client (@nats-io/obj) on the buckets blob_guest wrote
// through wcloud's wasi:blobstore NATS backend, for tests/plugins/blob_guest_test.cc.
//
//   node blob_js_client.mjs read URL BUCKET OUT_DIR
//       every object (getBlob, which checks the digest) written to OUT_DIR/<i>.bin; prints a
//       JSON array of {name, size, digest, file} sorted by name. `file` is null for an object
//       the client lists but cannot get: @nats-io/obj 3.x encodes names for subjects with btoa
//       over the JavaScript string (Latin-1), where nats.go and wcloud encode UTF-8, so names
//       outside ASCII reach a different subject.
//   node blob_js_client.mjs put URL BUCKET NAME FILE
//       FILE's bytes as object NAME; prints {name, size, digest}
//   node blob_js_client.mjs buckets URL
//       prints a JSON array of every object store bucket's name, sorted
//
// The client comes from the node_modules directory NODE_PATH names (tools/npm/node_modules).
// Any failure is printed to stderr and exits 1.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const modules = (process.env.NODE_PATH ?? '').split(':').find((p) => p !== '');
if (!modules) {
  console.error('NODE_PATH must name the node_modules directory holding @nats-io/obj');
  process.exit(2);
}
const require = createRequire(join(modules, '..', 'package.json'));
const { connect } = require('@nats-io/transport-node');
const { Objm } = require('@nats-io/obj');

const [mode, url, ...rest] = process.argv.slice(2);
const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const nc = await connect({ servers: url, name: 'wcloud-blob-js-client' });
try {
  const objm = new Objm(nc);
  if (mode === 'read') {
    const [bucket, outDir] = rest;
    const store = await objm.open(bucket);
    const infos = (await store.list()).filter((i) => !i.deleted).sort(byName);
    const out = [];
    for (const [i, info] of infos.entries()) {
      const data = await store.getBlob(info.name);
      let file = null;
      if (data !== null) {
        file = join(outDir, `${i}.bin`);
        writeFileSync(file, data);
      }
      out.push({ name: info.name, size: info.size, digest: info.digest, file });
    }
    console.log(JSON.stringify(out));
  } else if (mode === 'put') {
    const [bucket, name, file] = rest;
    const store = await objm.open(bucket);
    const info = await store.putBlob({ name }, readFileSync(file));
    console.log(JSON.stringify({ name: info.name, size: info.size, digest: info.digest }));
  } else if (mode === 'buckets') {
    const names = [];
    for await (const status of objm.list()) names.push(status.bucket);
    names.sort();
    console.log(JSON.stringify(names));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  console.error(err?.stack ?? String(err));
  process.exitCode = 1;
} finally {
  await nc.close();
}
