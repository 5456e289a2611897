;; A blocking host import reached through a nested component: the outer
;; guest's call into the inner one suspends too (suspend_test.ts).
(component
  (import "sleep" (func $sleep (param "ms" u32) (result u32)))
  (component $inner
    (import "sleep" (func $sleep (param "ms" u32) (result u32)))
    (core module $m
      (import "h" "sleep" (func $s (param i32) (result i32)))
      (func (export "nap") (param i32) (result i32)
        (i32.mul (call $s (local.get 0)) (i32.const 2))))
    (core func $sl (canon lower (func $sleep)))
    (core instance $i (instantiate $m (with "h" (instance (export "sleep" (func $sl))))))
    (func (export "nap") (param "ms" u32) (result u32) (canon lift (core func $i "nap"))))
  (instance $inner (instantiate $inner (with "sleep" (func $sleep))))
  (alias export $inner "nap" (func $nap))
  (core func $nap_l (canon lower (func $nap)))
  (core module $o
    (import "h" "nap" (func $n (param i32) (result i32)))
    (func (export "twice") (param i32) (result i32)
      (i32.add (call $n (local.get 0)) (i32.const 1))))
  (core instance $o (instantiate $o (with "h" (instance (export "nap" (func $nap_l))))))
  (func (export "twice") (param "ms" u32) (result u32) (canon lift (core func $o "twice")))
  (export "inner-nap" (func $nap)))
