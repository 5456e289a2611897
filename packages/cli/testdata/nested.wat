;; A component with a nested component, so its core modules sit at two depths:
;; the inner one (depth 1) comes first in the binary, then the outer one.
(component
  (component $inner
    (core module $m (func (export "seven") (result i32) (i32.const 7)))
    (core instance $i (instantiate $m))
    (func (export "seven") (result u32) (canon lift (core func $i "seven"))))
  (instance $c (instantiate $inner))
  (core module $outer
    (memory (export "memory") 1)
    (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
  (core instance $o (instantiate $outer))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $o "double")))
  (export "seven" (func $c "seven"))
)
