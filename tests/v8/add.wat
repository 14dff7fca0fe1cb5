(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "add_twice") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add
    call $twice))
