;; The preview1-adapter shape: the main module imports a shim function that calls through a
;; table, and a fixup module fills the table with the lowered import once the main module's
;; memory and realloc exist. Exported through an instance, as interfaces are.
(component
  (import "test:host/math@0.2.0" (instance $math
    (export "greet" (func (param "name" string) (result string)))))
  (alias export $math "greet" (func $greet))
  (core module $shim
    (type $t (func (param i32 i32 i32)))
    (table (export "$imports") 1 1 funcref)
    (func (export "greet") (type $t)
      local.get 0 local.get 1 local.get 2 i32.const 0 call_indirect (type $t)))
  (core instance $shim (instantiate $shim))
  (alias core export $shim "greet" (core func $greet_shim))
  (core module $main
    (import "host" "greet" (func $greet (param i32 i32 i32)))
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump
      local.get 2 i32.const 1 i32.sub i32.add
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and
      local.tee $p
      local.get 3 i32.add
      global.set $bump
      local.get $p)
    (func (export "hello") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.const 16 call $greet
      i32.const 16))
  (core instance $main (instantiate $main
    (with "host" (instance (export "greet" (func $greet_shim))))))
  (alias core export $main "memory" (core memory $mem))
  (alias core export $main "realloc" (core func $realloc))
  (core func $greet_lowered (canon lower (func $greet) (memory $mem) (realloc $realloc)))
  (alias core export $shim "$imports" (core table $table))
  (core module $fixup
    (import "" "$imports" (table 1 1 funcref))
    (import "" "0" (func $f (param i32 i32 i32)))
    (elem (i32.const 0) func $f))
  (core instance (instantiate $fixup
    (with "" (instance (export "$imports" (table $table)) (export "0" (func $greet_lowered))))))
  (func $hello (param "name" string) (result string)
    (canon lift (core func $main "hello") (memory $mem) (realloc $realloc)))
  (instance $api (export "hello" (func $hello)))
  (export "test:guest/api@1.0.0" (instance $api)))
