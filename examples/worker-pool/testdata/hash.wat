;; A CPU-heavy export for the worker-pool example: `hash(seed, rounds)`
;; mixes a 32-bit state `rounds` times (xorshift steps and a multiply), so
;; the work per item is set by the caller and nothing is allocated.
(component
  (core module $M
    (func (export "hash") (param $seed i32) (param $rounds i32) (result i32)
      (local $x i32)
      (local.set $x (i32.xor (local.get $seed) (i32.const 0x9e3779b9)))
      (block $done
        (loop $round
          (br_if $done (i32.eqz (local.get $rounds)))
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
          (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
          (local.set $x (i32.mul (local.get $x) (i32.const 0x01000193)))
          (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
          (br $round)))
      (local.get $x)))
  (core instance $m (instantiate $M))
  (func (export "hash") (param "seed" u32) (param "rounds" u32) (result u32)
    (canon lift (core func $m "hash")))
)
