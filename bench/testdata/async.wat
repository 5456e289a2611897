;; Group `async` (issue #4). Every export is async and callback-lifted:
;; - `noop(x)` answers x at once (task.return, then EXIT);
;; - `run(x)` awaits the async host import `tick(x)` once and answers its value;
;; - `pump(n)` awaits `tick(i)` for i = 0 .. n-1, one after another, and
;;   answers the sum (a guest loop of async import calls).
;; Per-call state lives in a 32-byte block (context slot 0): 0 i, 4 n, 8 sum,
;; 12 the current answer, 16 the call's waitable set (made on its first wait).
(component
  (import "tick" (func $tick async (param "x" u32) (result u32)))
  (core module $Mem (memory (export "mem") 8))
  (core instance $mem (instantiate $Mem))
  (core func $tick-l (canon lower (func $tick) async (memory $mem "mem")))
  (core func $task-return (canon task.return (result u32)))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core func $ctx-get (canon context.get i32 0))
  (core func $ctx-set (canon context.set i32 0))
  (core module $Main
    (import "" "mem" (memory 8))
    (import "" "tick" (func $tick (param i32 i32) (result i32)))
    (import "" "task-return" (func $task-return (param i32)))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "ws-drop" (func $ws-drop (param i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask-drop" (func $subtask-drop (param i32)))
    (import "" "ctx-get" (func $ctx-get (result i32)))
    (import "" "ctx-set" (func $ctx-set (param i32)))
    (global $free (mut i32) (i32.const 0))
    (global $next (mut i32) (i32.const 32))

    (func $alloc (result i32)
      (local $b i32)
      (if (global.get $free)
        (then
          (local.set $b (global.get $free))
          (global.set $free (i32.load (local.get $b))))
        (else
          (if (i32.ge_u (global.get $next) (i32.const 524256)) (then unreachable))
          (local.set $b (global.get $next))
          (global.set $next (i32.add (local.get $b) (i32.const 32)))))
      (i32.store offset=16 (local.get $b) (i32.const 0))
      (local.get $b))

    (func $exit (param $b i32) (result i32)
      (if (i32.load offset=16 (local.get $b))
        (then (call $ws-drop (i32.load offset=16 (local.get $b)))))
      (i32.store (local.get $b) (global.get $free))
      (global.set $free (local.get $b))
      (i32.const 0))

    ;; WAIT on this call's waitable set after joining subtask `h` to it.
    (func $wait-for (param $b i32) (param $h i32) (result i32)
      (local $set i32)
      (local.set $set (i32.load offset=16 (local.get $b)))
      (if (i32.eqz (local.get $set))
        (then
          (local.set $set (call $ws-new))
          (i32.store offset=16 (local.get $b) (local.get $set))))
      (call $join (local.get $h) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))

    (func (export "noop") (param $x i32) (result i32)
      (call $task-return (local.get $x))
      (i32.const 0))

    ;; Issues tick(i) for the block's i until one has to be waited for, or n is reached.
    (func $step (param $b i32) (result i32)
      (local $st i32)
      (loop $more
        (if (i32.ge_u (i32.load (local.get $b)) (i32.load offset=4 (local.get $b)))
          (then
            (call $task-return (i32.load offset=8 (local.get $b)))
            (return (call $exit (local.get $b)))))
        (local.set $st (call $tick (i32.load (local.get $b)) (i32.add (local.get $b) (i32.const 12))))
        (i32.store (local.get $b) (i32.add (i32.load (local.get $b)) (i32.const 1)))
        (if (i32.ne (i32.and (local.get $st) (i32.const 15)) (i32.const 2))
          (then (return (call $wait-for (local.get $b) (i32.shr_u (local.get $st) (i32.const 4))))))
        (i32.store offset=8 (local.get $b)
          (i32.add (i32.load offset=8 (local.get $b)) (i32.load offset=12 (local.get $b))))
        (br $more))
      (unreachable))

    (func (export "pump") (param $n i32) (result i32)
      (local $b i32)
      (local.set $b (call $alloc))
      (call $ctx-set (local.get $b))
      (i32.store (local.get $b) (i32.const 0))
      (i32.store offset=4 (local.get $b) (local.get $n))
      (i32.store offset=8 (local.get $b) (i32.const 0))
      (call $step (local.get $b)))

    (func (export "run") (param $x i32) (result i32)
      (local $b i32)
      (local.set $b (call $alloc))
      (call $ctx-set (local.get $b))
      ;; A run is a pump of one tick(x): i = x, n = x + 1.
      (i32.store (local.get $b) (local.get $x))
      (i32.store offset=4 (local.get $b) (i32.add (local.get $x) (i32.const 1)))
      (i32.store offset=8 (local.get $b) (i32.const 0))
      (call $step (local.get $b)))

    ;; A tick resolved (event 1, state 2): count it and go on.
    (func (export "cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
      (local $b i32)
      (local.set $b (call $ctx-get))
      (if (i32.and (i32.eq (local.get $event) (i32.const 1)) (i32.eq (local.get $state) (i32.const 2)))
        (then
          (call $subtask-drop (local.get $h))
          (i32.store offset=8 (local.get $b)
            (i32.add (i32.load offset=8 (local.get $b)) (i32.load offset=12 (local.get $b))))
          (return (call $step (local.get $b)))))
      (i32.or (i32.const 2) (i32.shl (i32.load offset=16 (local.get $b)) (i32.const 4)))))
  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem "mem"))
    (export "tick" (func $tick-l))
    (export "task-return" (func $task-return))
    (export "ws-new" (func $ws-new))
    (export "ws-drop" (func $ws-drop))
    (export "join" (func $join))
    (export "subtask-drop" (func $subtask-drop))
    (export "ctx-get" (func $ctx-get))
    (export "ctx-set" (func $ctx-set))
))))
  (func (export "noop") async (param "x" u32) (result u32)
    (canon lift (core func $main "noop") async (callback (func $main "cb"))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $main "run") async (callback (func $main "cb"))))
  (func (export "pump") async (param "n" u32) (result u32)
    (canon lift (core func $main "pump") async (callback (func $main "cb")))))
