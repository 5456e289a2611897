;; The component of the `pool` benchmark group (bench/groups/pool.ts).
;;
;; `mix(seed, rounds)` is the CPU-bound kernel of `pool-throughput`: a 32-bit
;; state stirred `rounds` times (an xorshift step, then a multiply by an odd
;; constant and an add of the round counter), so the caller sets the work
;; per item and nothing touches memory. `echo(x)` is the trivial export of
;; `pool-roundtrip`: the call costs the boundary and nothing else.
(component
  (core module $M
    (func (export "mix") (param $seed i32) (param $rounds i32) (result i32)
      (local $x i32)
      (local.set $x (i32.add (local.get $seed) (i32.const 0x6a09e667)))
      (block $done
        (loop $round
          (br_if $done (i32.eqz (local.get $rounds)))
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
          (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
          (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
          (local.set $x (i32.add
            (i32.mul (local.get $x) (i32.const 0x2545f491))
            (local.get $rounds)))
          (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
          (br $round)))
      (local.get $x))
    (func (export "echo") (param i32) (result i32) (local.get 0)))
  (core instance $m (instantiate $M))
  (func (export "mix") (param "seed" u32) (param "rounds" u32) (result u32)
    (canon lift (core func $m "mix")))
  (func (export "echo") (param "x" u32) (result u32)
    (canon lift (core func $m "echo")))
)
