;; Group `wasi` of the benchmarks (bench/groups/wasi.ts), case `poll-ready`:
;; `poll-ready(n)` polls one pollable that is ready at once (a monotonic-clock
;; timer of 0 ns, made on the first call and kept) `n` times, and returns the
;; number of ready indices `poll` gave back (n when every poll saw it ready).
(component
  (import "wasi:io/poll@0.2.12" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "poll" (func (param "in" (list (borrow $p))) (result (list u32))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.12" (instance $clock
    (alias outer 1 $pollable (type $p'))
    (export "pollable" (type $p (eq $p')))
    (export "subscribe-duration" (func (param "when" u64) (result (own $p))))))

  ;; Memory and a bump allocator that starts over when it nears the end: what
  ;; it hands out is dead by the next allocation of the same size.
  (core module $Mem
    (memory (export "memory") 40)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (if (i32.gt_u (i32.add (global.get $next) (local.get 3)) (i32.const 0x240000))
        (then (global.set $next (i32.const 1024))))
      (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))

  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $poll-list (canon lower (func $poll "poll") (memory $memory) (realloc $realloc)))

  (core module $M
    (import "m" "memory" (memory 40))
    (import "h" "subscribe-duration" (func $subscribe (param i64) (result i32)))
    (import "h" "poll" (func $poll (param i32 i32 i32)))
    (global $pollable (mut i32) (i32.const 0))
    (func (export "poll-ready") (param $n i32) (result i32)
      (local $i i32) (local $ready i32)
      ;; Handles start at 1, so 0 means "not made yet".
      (if (i32.eqz (global.get $pollable))
        (then (global.set $pollable (call $subscribe (i64.const 0)))))
      ;; The list argument: one borrow at 16. The result (ptr, len) lands at 32.
      (i32.store (i32.const 16) (global.get $pollable))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $poll (i32.const 16) (i32.const 1) (i32.const 32))
        (local.set $ready (i32.add (local.get $ready) (i32.load (i32.const 36))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (local.get $ready)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "subscribe-duration" (func $subscribe))
      (export "poll" (func $poll-list))))))
  (func (export "poll-ready") (param "n" u32) (result u32)
    (canon lift (core func $m "poll-ready")))
)
