// Reference test for the abi_reactor fixture: jco transpiles it, this script plays the host
// (test:abi/host) and checks every export value by value against the contract in wit/abi.wit.
// Our own runtime's tests check the same contract; this one shows the fixture itself is right.
// Usage: node abi_reactor_test.mjs ABI_REACTOR_WASM NODE_MODULES_DIR
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const [componentPath, nodeModules] = process.argv.slice(2);
if (!componentPath || !nodeModules) {
  console.error('usage: node abi_reactor_test.mjs ABI_REACTOR_WASM NODE_MODULES_DIR');
  process.exit(2);
}
const jco = await import(pathToFileURL(join(nodeModules, '@bytecodealliance/jco/dist/api.js')));

let failed = 0;
let passed = 0;
function check(ok, what, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.log(`not ok - ${what}${detail === undefined ? '' : `: ${detail}`}`);
  }
}
const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
function checkEqual(actual, expected, what) {
  check(isDeepStrictEqual(actual, expected), what, `got ${show(actual)}, want ${show(expected)}`);
}
function checkThrows(fn, payload, what) {
  try {
    fn();
    check(false, what, 'did not throw');
  } catch (e) {
    check(isDeepStrictEqual(e.payload, payload), what, `threw ${e}, payload ${show(e.payload)}`);
  }
}

// ---- the host side

const symbolDispose = Symbol.dispose || Symbol.for('dispose');
const events = [];  // dropped(id) calls and host-thing disposals, in order
const seen = new Map();  // host-echo-X name -> last argument
const replies = new Map();  // host-echo-X name -> function computing the reply (default: echo)

class HostThing {
  constructor(label) {
    this.ownLabel = label;
    events.push(`new ${label}`);
  }
  label() {
    return this.ownLabel;
  }
  [symbolDispose]() {
    events.push(`dispose ${this.ownLabel}`);
  }
}

const host = { HostThing, dropped: (id) => events.push(`dropped ${id}`) };
const echoNames = [
  'Bool', 'S8', 'U8', 'S16', 'U16', 'S32', 'U32', 'S64', 'U64', 'F32', 'F64', 'Char', 'String',
  'Bytes', 'Nested', 'Points', 'Padded', 'Tuple', 'Mixed', 'Color', 'SmallFlags', 'WideFlags',
  'HugeFlags', 'OptionU32', 'OptionString', 'Result', 'Thing',
];
for (const name of echoNames) {
  host[`hostEcho${name}`] = (x) => {
    seen.set(name, x);
    const reply = replies.get(name);
    return reply ? reply(x) : x;
  };
}
// result<string, error-code>: jco maps a returned value to ok and a thrown payload to err.
host.hostEchoResult = (x) => {
  seen.set('Result', x);
  if (x.tag === 'err') throw { payload: x.val };
  return x.val;
};
host.hostEchoMany = (...args) => {
  seen.set('Many', args);
  const [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q] = args;
  return { a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q };
};

// ---- instantiate through jco transpile, keeping the core instances to watch the guest's memory

const outDir = mkdtempSync(join(tmpdir(), 'wcloud-abi-reactor-'));
let api;
const coreInstances = [];
try {
  const { files } = await jco.transpile(readFileSync(componentPath), {
    name: 'abi_reactor',
    instantiation: { tag: 'async' },
    noTypescript: true,
  });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), bytes);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  const mod = await import(pathToFileURL(join(outDir, 'abi_reactor.js')));
  const root = await mod.instantiate(
    (path) => WebAssembly.compile(readFileSync(join(outDir, path))),
    { 'test:abi/host': host, 'test:abi/types': {} },
    (module, imports) => {
      const instance = new WebAssembly.Instance(module, imports);
      coreInstances.push(instance);
      return instance;
    });
  api = root['test:abi/api'];
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
const guestMemory = coreInstances.map((i) => i.exports.memory).find((m) => m);

// ---- echoes: the value reaches the host unchanged and the host's reply comes back unchanged

function echo(name, value, expected = value) {
  const fn = api[`echo${name}`];
  const got = fn(value);
  checkEqual(seen.get(name), value, `host-echo-${name} received ${show(value)}`);
  checkEqual(got, expected, `echo-${name}(${show(value)})`);
}
const flagsOf = (labels, set) => Object.fromEntries(labels.map((l) => [l, set.includes(l)]));

for (const v of [true, false]) echo('Bool', v);
for (const v of [-128, -1, 0, 127]) echo('S8', v);
for (const v of [0, 1, 255]) echo('U8', v);
for (const v of [-32768, 0, 32767]) echo('S16', v);
for (const v of [0, 65535]) echo('U16', v);
for (const v of [-(2 ** 31), -1, 0, 2 ** 31 - 1]) echo('S32', v);
for (const v of [0, 2 ** 31, 2 ** 32 - 1]) echo('U32', v);
for (const v of [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]) echo('S64', v);
for (const v of [0n, 2n ** 63n, 2n ** 64n - 1n]) echo('U64', v);
for (const v of [0, -0, 1.5, -3.25, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45]) {
  echo('F32', v);
}
echo('F64', Number.MAX_VALUE);
echo('F64', Number.MIN_VALUE);
echo('F64', -0);
echo('F64', -Infinity);
check(Number.isNaN(api.echoF32(NaN)), 'echo-f32(NaN) is NaN');
check(Number.isNaN(api.echoF64(NaN)), 'echo-f64(NaN) is NaN');
for (const v of ['a', '\0', 'é', '€', '😀', '\u{10ffff}']) echo('Char', v);
for (const v of ['', 'hello', 'héllo wörld € 😀', 'x'.repeat(100000)]) echo('String', v);
for (const v of [new Uint8Array([]), new Uint8Array([0, 1, 255])]) echo('Bytes', v);
echo('Nested', []);
echo('Nested', [[]]);
echo('Nested', [['a', 'b'], [], ['😀', '']]);
echo('Points', []);
echo('Points', [{ x: -1, y: 2 ** 31 - 1 }, { x: -(2 ** 31), y: 0 }]);
echo('Padded', { a: 255, b: 2n ** 64n - 1n, c: 65535, d: 1.5, e: true });
echo('Padded', { a: 0, b: 0n, c: 0, d: -0.25, e: false });
echo('Tuple', [7, 'tuple', 2.5]);
echo('Tuple', [255, '', -1e300]);
for (const v of [{ tag: 'small', val: 255 }, { tag: 'real', val: -0.5 }, { tag: 'real', val: 1e300 },
  { tag: 'text', val: 'variant text' }, { tag: 'text', val: '' }, { tag: 'nothing' }]) {
  echo('Mixed', v);
}
for (const v of ['red', 'green', 'blue']) echo('Color', v);
const small = ['a', 'b', 'c'];
const wide = Array.from({ length: 12 }, (_, i) => `w${i}`);
const huge = Array.from({ length: 20 }, (_, i) => `h${i}`);
for (const set of [[], ['a', 'c'], small]) echo('SmallFlags', flagsOf(small, set));
for (const set of [[], ['w0', 'w11'], ['w8']]) echo('WideFlags', flagsOf(wide, set));
for (const set of [[], ['h0', 'h19'], ['h9', 'h16']]) echo('HugeFlags', flagsOf(huge, set));
for (const v of [undefined, 0, 2 ** 32 - 1]) echo('OptionU32', v);
for (const v of [undefined, '', 'some']) echo('OptionString', v);
checkEqual(api.echoResult({ tag: 'ok', val: 'fine' }), 'fine', 'echo-result(ok "fine")');
checkEqual(seen.get('Result'), { tag: 'ok', val: 'fine' }, 'host-echo-result received ok');
checkThrows(() => api.echoResult({ tag: 'err', val: 'denied' }), 'denied', 'echo-result(err)');
checkEqual(seen.get('Result'), { tag: 'err', val: 'denied' }, 'host-echo-result received err');

const manyArgs = [255, -128, 65535, -32768, 2 ** 32 - 1, -(2 ** 31), 2n ** 64n - 1n, -(2n ** 63n),
  1.5, -2.25, '😀', true, 'many strings', new Uint8Array([9, 8, 7]), { x: 3, y: -4 }, 'blue',
  flagsOf(small, ['b'])];
const manyResult = api.echoMany(...manyArgs);
checkEqual(seen.get('Many'), manyArgs, 'host-echo-many received all 17 params');
checkEqual(Object.values(manyResult), manyArgs, 'echo-many returns the host record');

// The reply is the host's, not the argument.
replies.set('String', (x) => `${x}!`);
checkEqual(api.echoString('changed'), 'changed!', 'echo-string returns the host reply');
replies.set('U64', (x) => x + 1n);
checkEqual(api.echoU64(41n), 42n, 'echo-u64 returns the host reply');
replies.clear();

// ---- pure functions

checkEqual(api.reverseStrings(['a', 'bb', '😀']), ['😀', 'bb', 'a'], 'reverse-strings');
checkEqual(api.reverseStrings([]), [], 'reverse-strings([])');
checkEqual(api.sumList(new Uint32Array([1, 2, 2 ** 32 - 1])), 4294967298n, 'sum-list');
checkEqual(api.sumList(new Uint32Array([])), 0n, 'sum-list([])');
checkEqual(api.countChars('héllo😀'), 6, 'count-chars');
checkEqual(api.joinNested([['a', 'b'], ['c']], ','), 'a,b|c', 'join-nested');
checkEqual(api.joinNested([[], ['x']], '--'), '|x', 'join-nested with an empty group');
checkEqual(api.summarize('stats', new Uint32Array([3, 1, 4, 1, 5])),
  { name: 'stats', count: 5, total: 14n, min: 1, max: 5, mean: 2.8, even: true }, 'summarize');
checkEqual(api.summarize('', new Uint32Array([])),
  { name: '', count: 0, total: 0n, min: 0, max: 0, mean: 0, even: true }, 'summarize empty');
checkEqual(api.checkedDiv(7, -2), -3, 'checked-div(7, -2)');
checkThrows(() => api.checkedDiv(1, 0), 'invalid', 'checked-div(1, 0)');
checkThrows(() => api.checkedDiv(-(2 ** 31), -1), 'invalid', 'checked-div(min, -1)');
checkEqual(api.findColor('green'), 'green', 'find-color(green)');
checkEqual(api.findColor('pink'), undefined, 'find-color(pink)');
checkEqual(api.sumMany(...Array.from({ length: 18 }, (_, i) => i + 1)), 171n, 'sum-many(1..18)');
checkEqual(api.sumMany(...Array(18).fill(2 ** 32 - 1)), 18n * (2n ** 32n - 1n), 'sum-many(max)');

// ---- resources

const a = new api.Counter(10n);
const b = new api.Counter(-3n);
checkEqual([a.id(), b.id()], [1, 2], 'counter ids in creation order');
checkEqual(a.increment(5n), 15n, 'increment');
checkEqual(b.increment(-(2n ** 63n)), 2n ** 63n - 3n, 'increment wraps');
const m = api.Counter.merge(a, b);
checkEqual([m.id(), m.increment(0n)], [3, 15n + 2n ** 63n - 3n - 2n ** 64n], 'merge');
checkEqual(api.liveCounters(), 3, 'three live counters');
events.length = 0;
checkEqual(api.takeCounter(m), 15n + 2n ** 63n - 3n - 2n ** 64n, 'take-counter returns the value');
checkEqual(events, ['dropped 3'], 'take-counter drops the counter during the call');
events.length = 0;
a[symbolDispose]();
checkEqual(events, ['dropped 1'], 'dropping a counter handle runs the destructor');
checkEqual(api.liveCounters(), 1, 'one live counter');

events.length = 0;
const made = api.makeThing('made');
check(made instanceof HostThing, 'make-thing returns the host object');
checkEqual(events, ['new made'], 'make-thing calls the host constructor');
checkEqual(api.thingLabel(made), 'made', 'thing-label borrows');
checkEqual(events, ['new made'], 'a borrow does not dispose');
const other = new HostThing('passed');
const back = api.echoThing(other);
check(seen.get('Thing') instanceof HostThing && seen.get('Thing').label() === 'passed',
  'host-echo-thing received the thing');
checkEqual(back.label(), 'passed', 'echo-thing returns the thing');
events.length = 0;
checkEqual(api.consumeThing(made), 'made', 'consume-thing returns the label');
checkEqual(events, ['dispose made'], 'consume-thing drops the owned thing');

// ---- post-returns and bounded memory

const before = api.postReturnCount();
api.echoString('one');
api.echoNested([['two']]);
checkEqual(api.postReturnCount(), before + 2, 'post-return runs after each string/list export');
check(guestMemory !== undefined, 'the guest memory is visible');
const chunk = 'y'.repeat(65536);
api.echoString(chunk);
const afterOne = guestMemory.buffer.byteLength;
for (let i = 0; i < 500; i++) {
  api.echoString(chunk);
  api.echoNested([[chunk.slice(0, 1000), 'b'], ['c']]);
}
checkEqual(guestMemory.buffer.byteLength, afterOne, 'memory stays the same over 1000 calls');

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
