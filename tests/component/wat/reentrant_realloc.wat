;; A guest whose realloc calls the import it is allocating for: while the host's reply to `echo`
;; is lowered into guest memory, the realloc that makes room for it calls `echo` again, so two
;; calls of one lowered import overlap (canon_call.cc keeps one set of value vectors per import
;; and must give the inner call its own). The shim and fixup modules break the cycle between the
;; lowered import and the realloc it needs, as in adapter_shape.wat.
(component
  (import "test:host/echo@0.1.0" (instance $host
    (export "echo" (func (param "s" string) (result string)))))
  (alias export $host "echo" (func $echo))
  (core module $shim
    (type $t (func (param i32 i32 i32)))
    (table (export "$imports") 1 1 funcref)
    (func (export "echo") (type $t)
      local.get 0 local.get 1 local.get 2 i32.const 0 call_indirect (type $t)))
  (core instance $shim (instantiate $shim))
  (alias core export $shim "echo" (core func $echo_shim))
  (core module $main
    (import "host" "echo" (func $echo (param i32 i32 i32)))
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (global $reallocs (mut i32) (i32.const 0))
    (data (i32.const 512) "inner")
    ;; Call 1 is the host passing `run` its argument, call 2 makes room for the reply to the
    ;; outer `echo`: that one calls `echo("inner")` first, whose reply lands at 520.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $reallocs i32.const 1 i32.add global.set $reallocs
      global.get $reallocs i32.const 2 i32.eq
      if
        i32.const 512 i32.const 5 i32.const 520 call $echo
      end
      global.get $bump
      local.get 2 i32.const 1 i32.sub i32.add
      local.get 2 i32.const 1 i32.sub i32.const -1 i32.xor i32.and
      local.tee $p
      local.get 3 i32.add
      global.set $bump
      local.get $p)
    (func (export "run") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.const 16 call $echo
      i32.const 16)
    ;; The reply the inner call stored, as a (pointer, length) pair at 520.
    (func (export "inner-reply") (result i32) i32.const 520))
  (core instance $main (instantiate $main
    (with "host" (instance (export "echo" (func $echo_shim))))))
  (alias core export $main "memory" (core memory $mem))
  (alias core export $main "realloc" (core func $realloc))
  (core func $echo_lowered (canon lower (func $echo) (memory $mem) (realloc $realloc)))
  (alias core export $shim "$imports" (core table $table))
  (core module $fixup
    (import "" "$imports" (table 1 1 funcref))
    (import "" "0" (func $f (param i32 i32 i32)))
    (elem (i32.const 0) func $f))
  (core instance (instantiate $fixup
    (with "" (instance (export "$imports" (table $table)) (export "0" (func $echo_lowered))))))
  (func (export "run") (param "s" string) (result string)
    (canon lift (core func $main "run") (memory $mem) (realloc $realloc)))
  (func (export "inner-reply") (result string)
    (canon lift (core func $main "inner-reply") (memory $mem))))
