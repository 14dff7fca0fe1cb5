;; State a reset must undo: a global and a memory word the export bumps on every call, a data
;; segment it overwrites, and a memory it can grow (a grown memory cannot be reset).
(component
  (core module $m
    (memory (export "memory") 1)
    (global $calls (mut i32) (i32.const 0))
    (data (i32.const 64) "fresh")
    ;; calls * 1000 + the memory word's count. The data segment's first byte must be 'f' on the
    ;; first call, which makes it 'x'.
    (func (export "bump") (result i32)
      global.get $calls i32.const 1 i32.add global.set $calls
      i32.const 0 i32.const 0 i32.load i32.const 1 i32.add i32.store
      (if (i32.and (i32.eq (global.get $calls) (i32.const 1))
                   (i32.ne (i32.load8_u (i32.const 64)) (i32.const 102)))
        (then unreachable))
      i32.const 64 i32.const 120 i32.store8
      global.get $calls i32.const 1000 i32.mul i32.const 0 i32.load i32.add)
    (func (export "grow") (result i32) i32.const 1 memory.grow))
  (core instance $i (instantiate $m))
  (func (export "bump") (result u32) (canon lift (core func $i "bump")))
  (func (export "grow") (result s32) (canon lift (core func $i "grow"))))
