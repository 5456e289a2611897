;; A component that instantiates a nested component twice, wires one's
;; export into the other's import, and re-exports an interface instance.
(component
  (import "host:math/ops@0.2.1" (instance $ops
    (export "double" (func (param "x" u32) (result u32)))))
  (alias export $ops "double" (func $double))

  (component $Adder
    (import "base" (func $base (param "x" u32) (result u32)))
    (core func $base-lowered (canon lower (func $base)))
    (core module $M
      (import "host" "base" (func $base (param i32) (result i32)))
      (func (export "add-one") (param i32) (result i32)
        (i32.add (call $base (local.get 0)) (i32.const 1))))
    (core instance $m (instantiate $M (with "host" (instance (export "base" (func $base-lowered))))))
    (func (export "run") (param "x" u32) (result u32) (canon lift (core func $m "add-one")))
  )

  ;; first: double(x) + 1; second: (double(x) + 1) + 1, through the first's export
  (instance $first (instantiate $Adder (with "base" (func $double))))
  (alias export $first "run" (func $first-run))
  (instance $second (instantiate $Adder (with "base" (func $first-run))))
  (alias export $second "run" (func $second-run))

  (instance $api (export "first" (func $first-run)) (export "second" (func $second-run)))
  (export "weft:test/api@1.0.0" (instance $api))
)
