;; A nested component instantiated with a host function as its argument; its export is
;; re-exported by the outer component.
(component
  (import "test:host/math@0.2.0" (instance $math
    (export "double" (func (param "x" u32) (result u32)))))
  (alias export $math "double" (func $double))
  (component $inner
    (import "x" (func $x (param "a" u32) (result u32)))
    (core func $xl (canon lower (func $x)))
    (core module $m
      (import "" "x" (func $x (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) local.get 0 call $x i32.const 1 i32.add))
    (core instance $i (instantiate $m (with "" (instance (export "x" (func $xl))))))
    (func $f (param "a" u32) (result u32) (canon lift (core func $i "f")))
    (export "f" (func $f)))
  (instance $inst (instantiate $inner (with "x" (func $double))))
  (alias export $inst "f" (func $f))
  (export "f" (func $f)))
