// A second, independent client against `wcloud up`: the official JavaScript Kubernetes client
// (@kubernetes/client-node) lists, creates, watches and deletes our objects, lists the CRDs, and
// reads and writes Events in both of their API groups.
// Usage: node client_node_test.mjs WCLOUD_BINARY NODE_MODULES_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [wcloud, nodeModules] = process.argv.slice(2);
const k8s = await import(pathToFileURL(join(nodeModules, '@kubernetes/client-node/dist/index.js')));

let failed = 0;
let passed = 0;
function check(ok, what) {
  if (ok) { passed++; console.log(`ok - ${what}`); } else { failed++; console.log(`not ok - ${what}`); }
}

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const dir = mkdtempSync(join(tmpdir(), 'wcloud-client-node-'));
const server = spawn(wcloud, ['up', '--data-dir', dir, '--api-listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  for (let i = 0; i < 200 && !existsSync(join(dir, 'kubeconfig')); i++) await sleep(25);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const gv = { group: 'runtime.wasmcloud.dev', version: 'v1alpha1', namespace: 'default', plural: 'workloads' };

  const namespaces = await core.listNamespace();
  check(namespaces.items.some((n) => n.metadata.name === 'default'), 'lists namespaces');

  // The built-in CRDs (issue #16 item 7): listed and established, not deletable.
  const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crds = await extensions.listCustomResourceDefinition();
  check(crds.items.length === 5 && crds.items.every((c) => c.spec.group === 'runtime.wasmcloud.dev' &&
    c.status.conditions.some((x) => x.type === 'Established' && x.status === 'True')),
  `lists the five established CRDs (${crds.items.map((c) => c.metadata.name).join(', ')})`);
  let refused = false;
  try {
    await extensions.deleteCustomResourceDefinition({ name: 'workloads.runtime.wasmcloud.dev' });
  } catch (e) {
    refused = e.code === 405;
  }
  check(refused, 'a CRD delete is refused with 405');

  const events = [];
  const watch = new k8s.Watch(kc);
  const request = await watch.watch('/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads', {},
    (type, obj) => events.push(`${type} ${obj.metadata.name}`), () => {});
  await sleep(300);

  const body = {
    apiVersion: 'runtime.wasmcloud.dev/v1alpha1', kind: 'Workload', metadata: { name: 'from-js' },
    spec: { components: [{ name: 'c', image: 'ghcr.io/x/c:1' }] },
  };
  const created = await custom.createNamespacedCustomObject({ ...gv, body });
  check(created.metadata.uid && created.spec.components[0].imagePullPolicy === 'IfNotPresent',
    'creates with server defaults');
  const list = await custom.listNamespacedCustomObject(gv);
  check(list.items.length === 1 && list.items[0].metadata.name === 'from-js', 'lists');
  let rejected = false;
  try {
    await custom.createNamespacedCustomObject({ ...gv, body: { ...body, metadata: { name: 'bad' }, spec: { components: [{ name: 'c', image: 'ghcr.io/x/c:1', poolSize: -1 }] } } });
  } catch (e) {
    rejected = e.code === 422 || String(e).includes('poolSize');
  }
  check(rejected, 'invalid objects are rejected');
  await custom.deleteNamespacedCustomObject({ ...gv, name: 'from-js' });

  // events.k8s.io/v1 Events are core Events in another shape (issue #16 item 12).
  const eventsV1 = kc.makeApiClient(k8s.EventsV1Api);
  await eventsV1.createNamespacedEvent({ namespace: 'default', body: {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'from-js-event' },
    eventTime: new Date(), reportingController: 'example.com/js', reportingInstance: 'js-1',
    action: 'Test', reason: 'Tested', note: 'tested from JavaScript', type: 'Normal',
    regarding: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', namespace: 'default' },
  } });
  const asCore = await core.readNamespacedEvent({ namespace: 'default', name: 'from-js-event' });
  check(asCore.message === 'tested from JavaScript' && asCore.involvedObject.name === 'cm' &&
    asCore.reportingComponent === 'example.com/js', 'an events.k8s.io/v1 Event reads as a core Event');
  const selected = await eventsV1.listNamespacedEvent({ namespace: 'default', fieldSelector: 'regarding.name=cm' });
  check(selected.items.length === 1 && selected.items[0].note === 'tested from JavaScript' &&
    selected.items[0].regarding.kind === 'ConfigMap', 'lists events.k8s.io/v1 Events by regarding.name');
  await sleep(500);
  request.abort();
  check(events.includes('ADDED from-js') && events.includes('DELETED from-js'),
    `watch sees ADDED and DELETED (${events.join(', ')})`);
} catch (e) {
  failed++;
  console.log(`not ok - unexpected error: ${e.stack || e}`);
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
