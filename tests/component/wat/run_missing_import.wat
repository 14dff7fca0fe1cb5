;; A command that imports an interface no host provides.
(component
  (import "example:nowhere/thing@1.0.0" (instance $thing
    (export "poke" (func (param "x" u32)))))
  (core module $m (func (export "run") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance)))
