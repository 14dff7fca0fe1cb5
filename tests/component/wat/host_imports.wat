;; Host imports through `canon lower`: a scalar function, a string in and out (memory and
;; realloc), a host resource passed as own and borrow and dropped by the guest, and an import
;; versioned @0.2.10 that a host defining @0.2.0 serves.
(component
  (import "test:host/math@0.2.10" (instance $math
    (export "double" (func (param "x" u32) (result u32)))
    (export "greet" (func (param "name" string) (result string)))))
  (import "test:host/things@0.1.0" (instance $things
    (export "thing" (type $thing (sub resource)))
    (export "make" (func (param "v" u32) (result (own $thing))))
    (export "value" (func (param "t" (borrow $thing)) (result u32)))))
  (alias export $math "double" (func $double))
  (alias export $math "greet" (func $greet))
  (alias export $things "thing" (type $thing))
  (alias export $things "make" (func $make))
  (alias export $things "value" (func $value))

  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; A bump allocator: realloc(old_ptr, old_size, align, new_size).
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump
      local.get 2 i32.const 1 i32.sub i32.add
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and
      local.tee $p
      local.get 3 i32.add
      global.set $bump
      local.get $p))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))

  (core func $double_lowered (canon lower (func $double)))
  (core func $greet_lowered (canon lower (func $greet) (memory $mem) (realloc $realloc)))
  (core func $make_lowered (canon lower (func $make)))
  (core func $value_lowered (canon lower (func $value)))
  (core func $drop_thing (canon resource.drop $thing))

  (core module $main
    (import "libc" "memory" (memory 1))
    (import "host" "double" (func $double (param i32) (result i32)))
    (import "host" "greet" (func $greet (param i32 i32 i32)))
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "value" (func $value (param i32) (result i32)))
    (import "host" "drop-thing" (func $drop (param i32)))
    (func (export "quad") (param i32) (result i32)
      local.get 0 call $double call $double)
    ;; greet's (ptr, len) result goes to offset 16, which is also what hello returns.
    (func (export "hello") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.const 16 call $greet
      i32.const 16)
    ;; make a thing, read it through a borrow, drop it; returns the value read.
    (func (export "use-thing") (param i32) (result i32)
      (local $h i32) (local $v i32)
      local.get 0 call $make local.set $h
      local.get $h call $value local.set $v
      local.get $h call $drop
      local.get $v)
    ;; returns the handle without dropping it: the host's object stays alive.
    (func (export "keep-thing") (param i32) (result i32)
      local.get 0 call $make call $value)
    (func (export "boom") unreachable))
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "double" (func $double_lowered))
      (export "greet" (func $greet_lowered))
      (export "make" (func $make_lowered))
      (export "value" (func $value_lowered))
      (export "drop-thing" (func $drop_thing))))))

  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $main "quad")))
  (func (export "hello") (param "name" string) (result string)
    (canon lift (core func $main "hello") (memory $mem) (realloc $realloc)))
  (func (export "use-thing") (param "v" u32) (result u32) (canon lift (core func $main "use-thing")))
  (func (export "keep-thing") (param "v" u32) (result u32)
    (canon lift (core func $main "keep-thing")))
  (func (export "boom") (canon lift (core func $main "boom"))))
