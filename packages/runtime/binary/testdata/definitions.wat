;; Core modules, core instances, aliases, nested components, instances, exports.
(component $outer
  (core module $m
    (func (export "run") (result i32) i32.const 7)
    (memory (export "mem") 1)
  )
  (core module $needs
    (import "dep" "run" (func (result i32)))
  )
  (core instance $mi (instantiate $m))
  (core instance $bundle (export "run" (func $mi "run")))
  (core instance $ni (instantiate $needs (with "dep" (instance $bundle))))
  (alias core export $mi "mem" (core memory $mem))
  (type $ft (func (result u32)))
  (func $run (canon lift (core func $mi "run")))
  (component $inner
    (import "f" (func $f (result u32)))
    (alias outer $outer $ft (type $ft2))
    (export "g" (func $f) (func (type $ft2)))
  )
  (instance $ii (instantiate $inner (with "f" (func $run))))
  (alias export $ii "g" (func $g))
  (instance $bag (export "g" (func $g)) (export "ft" (type $ft)))
  (export "run" (func $run))
  (export "bag" (instance $bag))
  (export "inner" (component $inner))
  (export "core" (core module $m))
)
