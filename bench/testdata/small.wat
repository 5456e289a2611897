;; The smallest useful component: one core module, one `u32` function.
;; Used by `instantiate-small`.
(component
  (core module $M
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
  (core instance $m (instantiate $M))
  (func (export "u32-add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $m "add")))
)
