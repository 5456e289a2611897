;; `complete(prefix, timeout-ms)`: asks three host sources (`names`,
;; `places`, `products`) at once and starts a timer (`sleep`), all as async
;; subtasks, and answers `(matches, sources)` with what came before the timer:
;; the sum of the sources' match counts and how many answered. Late sources
;; are cancelled. Each call keeps its state in a 64-byte block (context slot
;; 0), so many calls run in one instance at once.
;;
;; Block layout: 0 matches, 4 sources answered, 8 live subtasks, 12 waitable
;; set, 16 timer subtask, 20/24/28 source subtasks, 32/36/40 their results,
;; 44 answered-the-caller flag.
(component
  (import "names" (func $names async (param "prefix" string) (result u32)))
  (import "places" (func $places async (param "prefix" string) (result u32)))
  (import "products" (func $products async (param "prefix" string) (result u32)))
  (import "sleep" (func $sleep async (param "ms" u32)))
  (core module $Mem
    (memory (export "mem") 2)
    ;; The prefix is read by the sources during the first core call, before
    ;; the next call's arguments arrive: one scratch area is enough.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.gt_u (local.get 3) (i32.const 1024)) (then unreachable))
      (i32.const 1024)))
  (core instance $mem (instantiate $Mem))
  (core func $names-l (canon lower (func $names) async (memory $mem "mem")))
  (core func $places-l (canon lower (func $places) async (memory $mem "mem")))
  (core func $products-l (canon lower (func $products) async (memory $mem "mem")))
  (core func $sleep-l (canon lower (func $sleep) async))
  (core func $task-return (canon task.return (result (tuple u32 u32))))
  (core func $task-cancel (canon task.cancel))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $subtask-cancel (canon subtask.cancel async))
  (core func $subtask-drop (canon subtask.drop))
  (core func $ctx-get (canon context.get i32 0))
  (core func $ctx-set (canon context.set i32 0))
  (core module $Main
    (import "" "mem" (memory 2))
    (import "" "names" (func $names (param i32 i32 i32) (result i32)))
    (import "" "places" (func $places (param i32 i32 i32) (result i32)))
    (import "" "products" (func $products (param i32 i32 i32) (result i32)))
    (import "" "sleep" (func $sleep (param i32) (result i32)))
    (import "" "task-return" (func $task-return (param i32 i32)))
    (import "" "task-cancel" (func $task-cancel))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "ws-drop" (func $ws-drop (param i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask-cancel" (func $subtask-cancel (param i32) (result i32)))
    (import "" "subtask-drop" (func $subtask-drop (param i32)))
    (import "" "ctx-get" (func $ctx-get (result i32)))
    (import "" "ctx-set" (func $ctx-set (param i32)))
    (global $free (mut i32) (i32.const 0))
    (global $next (mut i32) (i32.const 2048))

    ;; A zeroed 64-byte block, from the free list or the bump pointer.
    (func $alloc (result i32)
      (local $b i32)
      (if (global.get $free)
        (then
          (local.set $b (global.get $free))
          (global.set $free (i32.load (local.get $b))))
        (else
          (if (i32.ge_u (global.get $next) (i32.const 131008)) (then unreachable))
          (local.set $b (global.get $next))
          (global.set $next (i32.add (local.get $b) (i32.const 64)))))
      (memory.fill (local.get $b) (i32.const 0) (i32.const 64))
      (local.get $b))

    (func $add-live (param $b i32) (param $n i32)
      (i32.store offset=8 (local.get $b) (i32.add (i32.load offset=8 (local.get $b)) (local.get $n))))

    ;; Records the answer of the source whose result slot is at `out`.
    (func $count (param $b i32) (param $out i32)
      (i32.store (local.get $b) (i32.add (i32.load (local.get $b)) (i32.load (local.get $out))))
      (i32.store offset=4 (local.get $b) (i32.add (i32.load offset=4 (local.get $b)) (i32.const 1))))

    ;; Keeps the subtask of an async call (`packed` = state | handle << 4) in
    ;; slot `slot`, or counts its answer now if it returned at once.
    (func $track (param $b i32) (param $slot i32) (param $packed i32)
      (local $h i32)
      (if (i32.eq (i32.and (local.get $packed) (i32.const 15)) (i32.const 2))
        (then (call $count (local.get $b) (i32.add (local.get $slot) (i32.const 12))) (return)))
      (local.set $h (i32.shr_u (local.get $packed) (i32.const 4)))
      (i32.store (local.get $slot) (local.get $h))
      (call $add-live (local.get $b) (i32.const 1))
      (call $join (local.get $h) (i32.load offset=12 (local.get $b))))

    ;; Asks to cancel the subtask in slot `slot`; one that ends at once is dropped now.
    (func $cancel (param $b i32) (param $slot i32)
      (local $h i32)
      (local.set $h (i32.load (local.get $slot)))
      (if (i32.eqz (local.get $h)) (then (return)))
      ;; -1 (BLOCKED): it ends later, with an event.
      (if (i32.eq (call $subtask-cancel (local.get $h)) (i32.const -1)) (then (return)))
      (call $subtask-drop (local.get $h))
      (i32.store (local.get $slot) (i32.const 0))
      (call $add-live (local.get $b) (i32.const -1)))

    (func $cancel-sources (param $b i32)
      (call $cancel (local.get $b) (i32.add (local.get $b) (i32.const 20)))
      (call $cancel (local.get $b) (i32.add (local.get $b) (i32.const 24)))
      (call $cancel (local.get $b) (i32.add (local.get $b) (i32.const 28))))

    (func $answer (param $b i32)
      (if (i32.load offset=44 (local.get $b)) (then (return)))
      (i32.store offset=44 (local.get $b) (i32.const 1))
      (call $task-return (i32.load (local.get $b)) (i32.load offset=4 (local.get $b))))

    ;; What to do next: answer once no source is pending, exit once nothing is live.
    (func $step (param $b i32) (result i32)
      (if (i32.eqz (i32.or (i32.load offset=20 (local.get $b))
            (i32.or (i32.load offset=24 (local.get $b)) (i32.load offset=28 (local.get $b)))))
        (then
          (call $answer (local.get $b))
          (call $cancel (local.get $b) (i32.add (local.get $b) (i32.const 16)))))
      (if (i32.load offset=8 (local.get $b))
        (then (return (i32.or (i32.const 2) (i32.shl (i32.load offset=12 (local.get $b)) (i32.const 4))))))
      (call $ws-drop (i32.load offset=12 (local.get $b)))
      (i32.store (local.get $b) (global.get $free))
      (global.set $free (local.get $b))
      (i32.const 0))

    ;; A subtask in the block ended with `state` (2 returned, 3/4 cancelled).
    (func $ended (param $b i32) (param $h i32) (param $state i32)
      (local $slot i32)
      (call $subtask-drop (local.get $h))
      (call $add-live (local.get $b) (i32.const -1))
      (if (i32.eq (i32.load offset=16 (local.get $b)) (local.get $h))
        (then
          (i32.store offset=16 (local.get $b) (i32.const 0))
          ;; The timer fired: answer with what came, cancel the rest.
          (if (i32.eq (local.get $state) (i32.const 2))
            (then (call $answer (local.get $b)) (call $cancel-sources (local.get $b))))
          (return)))
      (local.set $slot (i32.add (local.get $b) (i32.const 20)))
      (block $found
        (loop $next
          (br_if $found (i32.eq (i32.load (local.get $slot)) (local.get $h)))
          (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
          (br_if $next (i32.lt_u (local.get $slot) (i32.add (local.get $b) (i32.const 32)))))
        unreachable)
      (i32.store (local.get $slot) (i32.const 0))
      (if (i32.and (i32.eq (local.get $state) (i32.const 2))
            (i32.eqz (i32.load offset=44 (local.get $b))))
        (then (call $count (local.get $b) (i32.add (local.get $slot) (i32.const 12))))))

    (func (export "complete") (param $ptr i32) (param $len i32) (param $ms i32) (result i32)
      (local $b i32) (local $timer i32)
      (local.set $b (call $alloc))
      (call $ctx-set (local.get $b))
      (i32.store offset=12 (local.get $b) (call $ws-new))
      (call $track (local.get $b) (i32.add (local.get $b) (i32.const 20))
        (call $names (local.get $ptr) (local.get $len) (i32.add (local.get $b) (i32.const 32))))
      (call $track (local.get $b) (i32.add (local.get $b) (i32.const 24))
        (call $places (local.get $ptr) (local.get $len) (i32.add (local.get $b) (i32.const 36))))
      (call $track (local.get $b) (i32.add (local.get $b) (i32.const 28))
        (call $products (local.get $ptr) (local.get $len) (i32.add (local.get $b) (i32.const 40))))
      (local.set $timer (call $sleep (local.get $ms)))
      (if (i32.eq (i32.and (local.get $timer) (i32.const 15)) (i32.const 2))
        (then
          ;; No time at all: answer with the sources that answered at once.
          (call $answer (local.get $b))
          (call $cancel-sources (local.get $b))
          (return (call $step (local.get $b)))))
      (i32.store offset=16 (local.get $b) (i32.shr_u (local.get $timer) (i32.const 4)))
      (call $add-live (local.get $b) (i32.const 1))
      (call $join (i32.shr_u (local.get $timer) (i32.const 4)) (i32.load offset=12 (local.get $b)))
      (call $step (local.get $b)))

    (func (export "cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
      (local $b i32)
      (local.set $b (call $ctx-get))
      ;; TASK_CANCELLED: the caller gave up; cancel everything and say so.
      (if (i32.eq (local.get $event) (i32.const 6))
        (then
          (call $cancel-sources (local.get $b))
          (call $cancel (local.get $b) (i32.add (local.get $b) (i32.const 16)))
          (if (i32.eqz (i32.load offset=44 (local.get $b)))
            (then (i32.store offset=44 (local.get $b) (i32.const 1)) (call $task-cancel)))
          (return (call $step (local.get $b)))))
      ;; SUBTASK: one ended (states below 2 are progress only).
      (if (i32.and (i32.eq (local.get $event) (i32.const 1)) (i32.ge_u (local.get $state) (i32.const 2)))
        (then (call $ended (local.get $b) (local.get $h) (local.get $state))))
      (call $step (local.get $b))))
  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem "mem"))
    (export "names" (func $names-l))
    (export "places" (func $places-l))
    (export "products" (func $products-l))
    (export "sleep" (func $sleep-l))
    (export "task-return" (func $task-return))
    (export "task-cancel" (func $task-cancel))
    (export "ws-new" (func $ws-new))
    (export "ws-drop" (func $ws-drop))
    (export "join" (func $join))
    (export "subtask-cancel" (func $subtask-cancel))
    (export "subtask-drop" (func $subtask-drop))
    (export "ctx-get" (func $ctx-get))
    (export "ctx-set" (func $ctx-set))))))
  (func (export "complete") async (param "prefix" string) (param "timeout-ms" u32)
    (result (tuple u32 u32))
    (canon lift (core func $main "complete") async (callback (func $main "cb"))
      (memory $mem "mem") (realloc (func $mem "realloc")))))
