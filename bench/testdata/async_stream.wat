;; Group `async`, case `stream-u8-1m` (issue #4): `bytes(n)` returns a
;; stream<u8> and writes n bytes of its memory (from offset 65536, filled
;; with i & 255 on the first call) into it, then drops its end. It is
;; callback-lifted: each write is async; when one has to wait, the task
;; waits on a waitable set holding the writable end, and goes on from the
;; STREAM_WRITE event. Per-call state lives in a 16-byte block at
;; 256 + 16 * w (w the writable end's handle index, in context slot 0):
;; 0 offset written so far, 4 n, 8 the waitable set (0: none yet).
(component
  (type $s (stream u8))
  (core module $Mem (memory (export "mem") 20))
  (core instance $mem (instantiate $Mem))
  (core func $stream-new (canon stream.new $s))
  (core func $stream-write (canon stream.write $s async (memory $mem "mem")))
  (core func $drop-w (canon stream.drop-writable $s))
  (core func $task-return (canon task.return (result $s)))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $ctx-get (canon context.get i32 0))
  (core func $ctx-set (canon context.set i32 0))
  (core module $Main
    (import "" "mem" (memory 20))
    (import "" "stream-new" (func $stream-new (result i64)))
    (import "" "stream-write" (func $stream-write (param i32 i32 i32) (result i32)))
    (import "" "drop-w" (func $drop-w (param i32)))
    (import "" "task-return" (func $task-return (param i32)))
    (import "" "ws-new" (func $ws-new (result i32)))
    (import "" "ws-drop" (func $ws-drop (param i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "ctx-get" (func $ctx-get (result i32)))
    (import "" "ctx-set" (func $ctx-set (param i32)))
    (global $filled (mut i32) (i32.const 0))

    ;; The data: bytes i & 255 for i < 1 MiB at 65536, written once.
    (func $fill
      (local $i i32)
      (if (global.get $filled) (then (return)))
      (global.set $filled (i32.const 1))
      (block $done (loop $more
        (br_if $done (i32.ge_u (local.get $i) (i32.const 1048576)))
        (i32.store8 offset=65536 (local.get $i) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $more))))

    ;; Ends the call: drops the writable end (leaving its set), then the set; EXIT.
    (func $finish (param $w i32) (param $b i32) (result i32)
      (call $drop-w (local.get $w))
      (if (i32.load offset=8 (local.get $b))
        (then (call $ws-drop (i32.load offset=8 (local.get $b)))))
      (i32.const 0))

    ;; Writes until a write has to wait (WAIT on the set) or all is written.
    (func $step (param $w i32) (result i32)
      (local $b i32) (local $r i32) (local $set i32)
      (local.set $b (i32.add (i32.const 256) (i32.shl (local.get $w) (i32.const 4))))
      (loop $more
        (if (i32.ge_u (i32.load (local.get $b)) (i32.load offset=4 (local.get $b)))
          (then (return (call $finish (local.get $w) (local.get $b)))))
        (local.set $r (call $stream-write (local.get $w)
          (i32.add (i32.const 65536) (i32.load (local.get $b)))
          (i32.sub (i32.load offset=4 (local.get $b)) (i32.load (local.get $b)))))
        (if (i32.eq (local.get $r) (i32.const -1))
          (then
            (local.set $set (i32.load offset=8 (local.get $b)))
            (if (i32.eqz (local.get $set))
              (then
                (local.set $set (call $ws-new))
                (i32.store offset=8 (local.get $b) (local.get $set))
                (call $join (local.get $w) (local.get $set))))
            (return (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))))
        (i32.store (local.get $b)
          (i32.add (i32.load (local.get $b)) (i32.shr_u (local.get $r) (i32.const 4))))
        ;; The reader dropped its end: stop.
        (if (i32.eq (i32.and (local.get $r) (i32.const 15)) (i32.const 1))
          (then (return (call $finish (local.get $w) (local.get $b)))))
        (br $more))
      (unreachable))

    (func (export "bytes") (param $n i32) (result i32)
      (local $p i64) (local $w i32) (local $b i32)
      (call $fill)
      (if (i32.gt_u (local.get $n) (i32.const 1048576)) (then unreachable))
      (local.set $p (call $stream-new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))))
      (if (i32.ge_u (local.get $w) (i32.const 4000)) (then unreachable))
      (local.set $b (i32.add (i32.const 256) (i32.shl (local.get $w) (i32.const 4))))
      (i32.store (local.get $b) (i32.const 0))
      (i32.store offset=4 (local.get $b) (local.get $n))
      (i32.store offset=8 (local.get $b) (i32.const 0))
      (call $ctx-set (local.get $w))
      (call $task-return (i32.wrap_i64 (local.get $p)))
      (call $step (local.get $w)))

    ;; A write went on (event 3, STREAM_WRITE): count its progress, go on.
    (func (export "cb") (param $event i32) (param $h i32) (param $payload i32) (result i32)
      (local $w i32) (local $b i32)
      (local.set $w (call $ctx-get))
      (local.set $b (i32.add (i32.const 256) (i32.shl (local.get $w) (i32.const 4))))
      (if (i32.ne (local.get $event) (i32.const 3)) (then unreachable))
      (i32.store (local.get $b)
        (i32.add (i32.load (local.get $b)) (i32.shr_u (local.get $payload) (i32.const 4))))
      (if (i32.eq (i32.and (local.get $payload) (i32.const 15)) (i32.const 1))
        (then (return (call $finish (local.get $w) (local.get $b)))))
      (call $step (local.get $w))))
  (core instance $main (instantiate $Main (with "" (instance
    (export "mem" (memory $mem "mem"))
    (export "stream-new" (func $stream-new))
    (export "stream-write" (func $stream-write))
    (export "drop-w" (func $drop-w))
    (export "task-return" (func $task-return))
    (export "ws-new" (func $ws-new))
    (export "ws-drop" (func $ws-drop))
    (export "join" (func $join))
    (export "ctx-get" (func $ctx-get))
    (export "ctx-set" (func $ctx-set))))))
  (func (export "bytes") async (param "n" u32) (result $s)
    (canon lift (core func $main "bytes") async (callback (func $main "cb")))))
