;; The component-call benchmark's guest: a pure export, an export that calls a host import n
;; times, and a string echo (lifted and lowered through memory and realloc).
(component
  (import "test:host/math@0.2.0" (instance $math
    (export "double" (func (param "x" u32) (result u32)))))
  (alias export $math "double" (func $double))
  (core func $double_lowered (canon lower (func $double)))
  (core module $m
    (import "host" "double" (func $double (param i32) (result i32)))
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; A bump allocator that starts over when the page is used up: benchmark strings are short.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump
      local.get 2 i32.const 1 i32.sub i32.add
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and
      local.tee $p
      local.get 3 i32.add
      i32.const 65536
      i32.gt_u
      if
        i32.const 1024 local.set $p
      end
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p)
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "call-host") (param $n i32) (result i32)
      (local $acc i32)
      (block $done
        (loop $next
          local.get $n i32.eqz br_if $done
          local.get $acc local.get $n call $double i32.add local.set $acc
          local.get $n i32.const 1 i32.sub local.set $n
          br $next))
      local.get $acc)
    (func (export "echo") (param i32 i32) (result i32)
      i32.const 16 local.get 0 i32.store
      i32.const 20 local.get 1 i32.store
      i32.const 16))
  (core instance $i (instantiate $m
    (with "host" (instance (export "double" (func $double_lowered))))))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (func (export "call-host") (param "n" u32) (result u32) (canon lift (core func $i "call-host")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc))))
