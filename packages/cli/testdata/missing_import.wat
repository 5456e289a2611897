;; A command importing an interface no WASI host provides: linking it fails.
(component
  (import "example:greeter/names@1.0.0" (instance $names
    (export "pick" (func (result u32)))))
  (core func $pick (canon lower (func $names "pick")))
  (core module $M
    (import "h" "pick" (func $pick (result i32)))
    (func (export "run") (result i32) (drop (call $pick)) (i32.const 0)))
  (core instance $m (instantiate $M (with "h" (instance (export "pick" (func $pick))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance))
)
