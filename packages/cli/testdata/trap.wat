;; A command whose `run` traps (unreachable) after writing a line to stdout.
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
  (core module $Mem (memory (export "memory") 1))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory $memory)))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (data (i32.const 16) "about to trap\n")
    (func $boom unreachable)
    (func (export "run") (result i32)
      (call $write (call $get-stdout) (i32.const 16) (i32.const 14) (i32.const 200))
      (call $boom)
      (i32.const 0)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance (export "write" (func $write)) (export "get-stdout" (func $get-stdout))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance))
)
