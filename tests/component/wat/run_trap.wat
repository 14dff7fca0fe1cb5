;; A wasi:cli/run command whose run never succeeds: trap.
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "run") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance)))
