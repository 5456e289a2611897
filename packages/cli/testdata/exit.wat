;; A command that exits through wasi:cli/exit: with no argument it calls
;; `exit(err)`; with one it calls `exit-with-code` with the argument read as a
;; decimal number; with the argument "ok" it calls `exit(ok)`; with "return-err"
;; it returns `err` from `run` instead.
(component
  (import "wasi:cli/environment@0.2.3" (instance $env
    (export "get-arguments" (func (result (list string))))))
  (import "wasi:cli/exit@0.2.3" (instance $exit
    (export "exit" (func (param "status" (result))))
    (export "exit-with-code" (func (param "status-code" u8)))))
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
  (core func $get-args (canon lower (func $env "get-arguments") (memory $memory) (realloc $realloc)))
  (core func $exit (canon lower (func $exit "exit")))
  (core func $exit-with-code (canon lower (func $exit "exit-with-code")))
  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "get-args" (func $get-args (param i32)))
    (import "h" "exit" (func $exit (param i32)))
    (import "h" "exit-with-code" (func $exit-with-code (param i32)))
    (func (export "run") (result i32)
      (local $ptr i32) (local $len i32) (local $i i32) (local $code i32) (local $c i32)
      (call $get-args (i32.const 100))
      (if (i32.lt_u (i32.load (i32.const 104)) (i32.const 2))
        (then (call $exit (i32.const 1)) (unreachable)))
      (local.set $ptr (i32.load offset=8 (i32.load (i32.const 100))))
      (local.set $len (i32.load offset=12 (i32.load (i32.const 100))))
      ;; "ok" (0x6b6f little-endian) exits with ok.
      (if (i32.and (i32.eq (local.get $len) (i32.const 2))
            (i32.eq (i32.load16_u (local.get $ptr)) (i32.const 0x6b6f)))
        (then (call $exit (i32.const 0)) (unreachable)))
      ;; "return-err" (10 bytes starting with 'r') returns err.
      (if (i32.and (i32.eq (local.get $len) (i32.const 10))
            (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 0x72)))
        (then (return (i32.const 1))))
      (block $done
        (loop $digit
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (local.set $c (i32.sub (i32.load8_u (i32.add (local.get $ptr) (local.get $i)))
            (i32.const 48)))
          (local.set $code (i32.add (i32.mul (local.get $code) (i32.const 10)) (local.get $c)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $digit)))
      (call $exit-with-code (local.get $code))
      (unreachable)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "get-args" (func $get-args))
      (export "exit" (func $exit))
      (export "exit-with-code" (func $exit-with-code))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.3" (instance $run-instance))
)
