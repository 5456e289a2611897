;; `race()` subscribes to two monotonic-clock timers (50 ms and 10 ms),
;; polls both with wasi:io/poll and answers the index of the first ready one.
;; With JSPI the guest is suspended while it waits (component_test.ts).
(component
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "poll" (func (param "in" (list (borrow $p))) (result (list u32))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (alias outer 1 $pollable (type $p-outer))
    (export "pollable" (type $p (eq $p-outer)))
    (export "subscribe-duration" (func (param "when" u64) (result (own $p))))))
  (core module $Mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $next))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))
  (core func $poll (canon lower (func $poll "poll") (memory $memory) (realloc $realloc)))
  (core func $sub (canon lower (func $clock "subscribe-duration")))
  (core func $drop (canon resource.drop $pollable))
  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "poll" (func $poll (param i32 i32 i32)))
    (import "h" "sub" (func $sub (param i64) (result i32)))
    (import "h" "drop" (func $drop (param i32)))
    (func (export "race") (result i32)
      (local $a i32) (local $b i32) (local $first i32)
      (local.set $a (call $sub (i64.const 50000000)))
      (local.set $b (call $sub (i64.const 10000000)))
      (i32.store (i32.const 100) (local.get $a))
      (i32.store (i32.const 104) (local.get $b))
      (call $poll (i32.const 100) (i32.const 2) (i32.const 200))
      (local.set $first (i32.load (i32.load (i32.const 200))))
      (call $drop (local.get $a))
      (call $drop (local.get $b))
      (local.get $first)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "poll" (func $poll))
      (export "sub" (func $sub))
      (export "drop" (func $drop))))))
  (func (export "race") (result u32) (canon lift (core func $m "race"))))
