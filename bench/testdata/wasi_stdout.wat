;; Group `wasi` of the benchmarks (bench/groups/wasi.ts), case `stdout-64k`:
;; `write-64k()` writes 64 KiB to stdout as a guest must with
;; blocking-write-and-flush (at most 4096 bytes a call: 16 calls), and
;; returns the bytes written (0 if a write failed). The stdout handle is
;; taken on the first call and kept, as a program keeps its stdout.
(component
  (import "wasi:io/error@0.2.12" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer 1 $error (type $error-outer))
    (export "error" (type $err (eq $error-outer)))
    (type $stream-error (variant (case "last-operation-failed" (own $err)) (case "closed")))
    (export "stream-error" (type $se (eq $stream-error)))
    (export "output-stream" (type $os (sub resource)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se)))))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.12" (instance $stdout
    (alias outer 1 $output-stream (type $os-outer))
    (export "output-stream" (type $os (eq $os-outer)))
    (export "get-stdout" (func (result (own $os))))))

  (core module $Mem
    (memory (export "memory") 4)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (if (i32.gt_u (i32.add (global.get $next) (local.get 3)) (i32.const 0x8000))
        (then (global.set $next (i32.const 1024))))
      (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))

  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory $memory)))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))

  (core module $M
    (import "m" "memory" (memory 4))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (global $out (mut i32) (i32.const 0))
    (func (export "write-64k") (result i32)
      (local $at i32)
      (if (i32.eqz (global.get $out))
        (then
          (global.set $out (call $get-stdout))
          ;; The 64 KiB to write, at 64 KiB: "w" bytes.
          (memory.fill (i32.const 0x10000) (i32.const 0x77) (i32.const 0x10000))))
      (local.set $at (i32.const 0x10000))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $at) (i32.const 0x20000)))
        (call $write (global.get $out) (local.get $at) (i32.const 4096) (i32.const 16))
        (if (i32.load8_u (i32.const 16)) (then (return (i32.const 0))))
        (local.set $at (i32.add (local.get $at) (i32.const 4096)))
        (br $next)))
      (i32.const 0x10000)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "write" (func $write))
      (export "get-stdout" (func $get-stdout))))))
  (func (export "write-64k") (result u32) (canon lift (core func $m "write-64k")))
)
