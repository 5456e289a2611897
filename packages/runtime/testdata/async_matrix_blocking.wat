;; Option matrix, blocking built-in: `run(x)` (async, callback-lifted) calls
;; the async host import `wait(x)` through an async lower and, when it did
;; not return at once, blocks in a synchronous `waitable-set.wait` (a stack
;; switch: JSPI) until it did; it answers wait's value.
(component
  (import "wait" (func $wait async (param "x" u32) (result u32)))
  (core module $Mem (memory (export "mem") 1))
  (core instance $mem (instantiate $Mem))
  (core func $wait-l (canon lower (func $wait) async (memory $mem "mem")))
  (core func $task-return (canon task.return (result u32)))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-wait (canon waitable-set.wait (memory $mem "mem")))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "wait" (func $wait (param i32 i32) (result i32)))
    (import "" "task-return" (func $task-return (param i32)))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "ws-wait" (func $ws-wait (param i32 i32) (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask-drop" (func $subtask-drop (param i32)))
    (func (export "run") (param $x i32) (result i32)
      (local $st i32) (local $set i32)
      (local.set $st (call $wait (local.get $x) (i32.const 0)))
      (if (i32.ne (i32.and (local.get $st) (i32.const 15)) (i32.const 2))
        (then
          (local.set $set (call $ws-new))
          (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
          (drop (call $ws-wait (local.get $set) (i32.const 8)))
          (call $subtask-drop (i32.shr_u (local.get $st) (i32.const 4)))))
      (call $task-return (i32.load (i32.const 0)))
      (i32.const 0))
    (func (export "cb") (param i32 i32 i32) (result i32) unreachable))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $mem "mem"))
    (export "wait" (func $wait-l))
    (export "task-return" (func $task-return))
    (export "ws-new" (func $ws-new))
    (export "ws-wait" (func $ws-wait))
    (export "join" (func $join))
    (export "subtask-drop" (func $subtask-drop))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $m "run") async (callback (func $m "cb")))))
