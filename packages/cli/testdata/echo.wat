;; A wasi:cli command at WASI 0.2.0 exporting wasi:cli/run@0.2.0: `run` writes
;; each argument on a line of its own to stdout, then each environment
;; variable as `NAME=value` on a line of its own.
(component
  (import "wasi:io/error@0.2.0" (instance $io-error
    (export "error" (type (sub resource)))))
  (alias export $io-error "error" (type $error))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (alias outer 1 $error (type $error-outer))
    (export "error" (type $err (eq $error-outer)))
    (type $stream-error (variant (case "last-operation-failed" (own $err)) (case "closed")))
    (export "stream-error" (type $se (eq $stream-error)))
    (export "output-stream" (type $os (sub resource)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result (error $se)))))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer 1 $output-stream (type $os-outer))
    (export "output-stream" (type $os (eq $os-outer)))
    (export "get-stdout" (func (result (own $os))))))
  (import "wasi:cli/environment@0.2.0" (instance $env
    (export "get-environment" (func (result (list (tuple string string)))))
    (export "get-arguments" (func (result (list string))))))

  (core module $Mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
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
  (core func $get-args (canon lower (func $env "get-arguments") (memory $memory) (realloc $realloc)))
  (core func $get-env (canon lower (func $env "get-environment") (memory $memory)
    (realloc $realloc)))

  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (import "h" "get-args" (func $get-args (param i32)))
    (import "h" "get-env" (func $get-env (param i32)))
    (data (i32.const 16) "\n=")
    (global $out (mut i32) (i32.const 0))
    ;; Writes [ptr, ptr+len); a failed write ends `run` with err (1).
    (func $put (param $ptr i32) (param $len i32) (result i32)
      (call $write (global.get $out) (local.get $ptr) (local.get $len) (i32.const 200))
      (i32.load8_u (i32.const 200)))
    (func (export "run") (result i32)
      (local $list i32) (local $n i32) (local $i i32) (local $at i32)
      (global.set $out (call $get-stdout))
      ;; Arguments: a list of (ptr, len) string pairs.
      (call $get-args (i32.const 100))
      (local.set $list (i32.load (i32.const 100)))
      (local.set $n (i32.load (i32.const 104)))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $at (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 3))))
          (if (call $put (i32.load (local.get $at)) (i32.load offset=4 (local.get $at)))
            (then (return (i32.const 1))))
          (if (call $put (i32.const 16) (i32.const 1)) (then (return (i32.const 1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      ;; Environment: a list of ((ptr, len), (ptr, len)) pairs.
      (call $get-env (i32.const 100))
      (local.set $list (i32.load (i32.const 100)))
      (local.set $n (i32.load (i32.const 104)))
      (local.set $i (i32.const 0))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $at (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 4))))
          (if (call $put (i32.load (local.get $at)) (i32.load offset=4 (local.get $at)))
            (then (return (i32.const 1))))
          (if (call $put (i32.const 17) (i32.const 1)) (then (return (i32.const 1))))
          (if (call $put (i32.load offset=8 (local.get $at)) (i32.load offset=12 (local.get $at)))
            (then (return (i32.const 1))))
          (if (call $put (i32.const 16) (i32.const 1)) (then (return (i32.const 1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (i32.const 0)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "write" (func $write))
      (export "get-stdout" (func $get-stdout))
      (export "get-args" (func $get-args))
      (export "get-env" (func $get-env))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance))
)
