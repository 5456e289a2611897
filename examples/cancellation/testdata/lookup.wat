;; `lookup(key)`, an async export (callback-lifted), asks the async host
;; import `fetch-value(key)` and answers its value plus one. When the caller
;; cancels, the guest sees TASK_CANCELLED: it cancels its own subtask, reports
;; `task.cancel`, and exits only once the subtask has ended, so nothing of the
;; call is left behind. Each call keeps a 16-byte block (context slot 0):
;; 0 subtask, 4 waitable set, 8 the host's answer, 12 cancelled flag.
(component
  (import "fetch-value" (func $fetch async (param "key" u32) (result u32)))
  (core module $Mem (memory (export "mem") 1))
  (core instance $mem (instantiate $Mem))
  (core func $fetch-l (canon lower (func $fetch) async (memory $mem "mem")))
  (core func $task-return (canon task.return (result u32)))
  (core func $task-cancel (canon task.cancel))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $subtask-cancel (canon subtask.cancel async))
  (core func $subtask-drop (canon subtask.drop))
  (core func $ctx-get (canon context.get i32 0))
  (core func $ctx-set (canon context.set i32 0))
  (core module $Main
    (import "" "mem" (memory 1))
    (import "" "fetch" (func $fetch (param i32 i32) (result i32)))
    (import "" "task-return" (func $task-return (param i32)))
    (import "" "task-cancel" (func $task-cancel))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "ws-drop" (func $ws-drop (param i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask-cancel" (func $subtask-cancel (param i32) (result i32)))
    (import "" "subtask-drop" (func $subtask-drop (param i32)))
    (import "" "ctx-get" (func $ctx-get (result i32)))
    (import "" "ctx-set" (func $ctx-set (param i32)))
    (global $free (mut i32) (i32.const 0))
    (global $next (mut i32) (i32.const 16))

    (func $alloc (result i32)
      (local $b i32)
      (if (global.get $free)
        (then
          (local.set $b (global.get $free))
          (global.set $free (i32.load (local.get $b))))
        (else
          (if (i32.ge_u (global.get $next) (i32.const 65520)) (then unreachable))
          (local.set $b (global.get $next))
          (global.set $next (i32.add (local.get $b) (i32.const 16)))))
      (memory.fill (local.get $b) (i32.const 0) (i32.const 16))
      (local.get $b))

    (func $exit (param $b i32) (result i32)
      (if (i32.load offset=4 (local.get $b)) (then (call $ws-drop (i32.load offset=4 (local.get $b)))))
      (i32.store (local.get $b) (global.get $free))
      (global.set $free (local.get $b))
      (i32.const 0))

    (func (export "lookup") (param $key i32) (result i32)
      (local $b i32) (local $st i32) (local $set i32)
      (local.set $b (call $alloc))
      (call $ctx-set (local.get $b))
      (local.set $st (call $fetch (local.get $key) (i32.add (local.get $b) (i32.const 8))))
      (if (i32.eq (i32.and (local.get $st) (i32.const 15)) (i32.const 2))
        (then
          (call $task-return (i32.add (i32.load offset=8 (local.get $b)) (i32.const 1)))
          (return (call $exit (local.get $b)))))
      (local.set $set (call $ws-new))
      (i32.store (local.get $b) (i32.shr_u (local.get $st) (i32.const 4)))
      (i32.store offset=4 (local.get $b) (local.get $set))
      (call $join (i32.load (local.get $b)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))

    (func (export "cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
      (local $b i32)
      (local.set $b (call $ctx-get))
      (if (i32.eq (local.get $event) (i32.const 6))
        (then
          (i32.store offset=12 (local.get $b) (i32.const 1))
          (call $task-cancel)
          ;; -1 (BLOCKED): the subtask ends later, with an event.
          (if (i32.ne (call $subtask-cancel (i32.load (local.get $b))) (i32.const -1))
            (then
              (call $subtask-drop (i32.load (local.get $b)))
              (return (call $exit (local.get $b)))))
          (return (i32.or (i32.const 2) (i32.shl (i32.load offset=4 (local.get $b)) (i32.const 4))))))
      (if (i32.and (i32.eq (local.get $event) (i32.const 1)) (i32.ge_u (local.get $state) (i32.const 2)))
        (then
          (call $subtask-drop (local.get $h))
          (if (i32.and (i32.eq (local.get $state) (i32.const 2))
                (i32.eqz (i32.load offset=12 (local.get $b))))
            (then (call $task-return (i32.add (i32.load offset=8 (local.get $b)) (i32.const 1)))))
          (return (call $exit (local.get $b)))))
      (i32.or (i32.const 2) (i32.shl (i32.load offset=4 (local.get $b)) (i32.const 4)))))
  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem "mem"))
    (export "fetch" (func $fetch-l))
    (export "task-return" (func $task-return))
    (export "task-cancel" (func $task-cancel))
    (export "ws-new" (func $ws-new))
    (export "ws-drop" (func $ws-drop))
    (export "join" (func $join))
    (export "subtask-cancel" (func $subtask-cancel))
    (export "subtask-drop" (func $subtask-drop))
    (export "ctx-get" (func $ctx-get))
    (export "ctx-set" (func $ctx-set))))))
  (func (export "lookup") async (param "key" u32) (result u32)
    (canon lift (core func $main "lookup") async (callback (func $main "cb")))))
