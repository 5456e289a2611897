;; A wasi:cli-style component at WASI 0.2.0 (linked against the host's 0.2.12):
;; `run` writes "hello, <args[1]>\n" to stdout with blocking-write-and-flush;
;; `fail` calls wasi:cli/exit with an error status.
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
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@0.2.0" (instance $exit
    (export "exit" (func (param "status" (result))))))

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
  (core func $exit (canon lower (func $exit "exit")))

  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (import "h" "get-args" (func $get-args (param i32)))
    (import "h" "exit" (func $exit (param i32)))
    (data (i32.const 16) "hello, \n")
    ;; Writes [ptr, ptr+len) and returns the result's discriminant (0 = ok).
    (func $out (param $h i32) (param $ptr i32) (param $len i32) (result i32)
      (call $write (local.get $h) (local.get $ptr) (local.get $len) (i32.const 200))
      (i32.load8_u (i32.const 200)))
    (func (export "run") (result i32)
      (local $h i32) (local $list i32)
      (call $get-args (i32.const 100))
      (local.set $list (i32.load (i32.const 100)))
      (local.set $h (call $get-stdout))
      (if (call $out (local.get $h) (i32.const 16) (i32.const 7)) (then (return (i32.const 1))))
      (if (call $out (local.get $h)
            (i32.load (i32.add (local.get $list) (i32.const 8)))
            (i32.load (i32.add (local.get $list) (i32.const 12))))
        (then (return (i32.const 1))))
      (call $out (local.get $h) (i32.const 23) (i32.const 1)))
    (func (export "fail") (call $exit (i32.const 1))))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "write" (func $write))
      (export "get-stdout" (func $get-stdout))
      (export "get-args" (func $get-args))
      (export "exit" (func $exit))))))
  (func (export "run") (result (result)) (canon lift (core func $m "run")))
  (func (export "fail") (canon lift (core func $m "fail")))
)
