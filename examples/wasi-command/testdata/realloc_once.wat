;; A repro for the report: a guest whose realloc, like the one of the WASI
;; preview-1 adapter (`cabi_import_realloc`), takes fresh allocations only
;; and traps when asked to resize one. `run` calls `get-arguments`. With an
;; argument that is not ASCII, lowering a JS string with the spec's
;; UTF-16 → UTF-8 transcoding grows then shrinks the first allocation, and the
;; guest traps; an exact-size allocation (what jco and Wasmtime do) does not.
(component
  (import "wasi:cli/environment@0.2.12" (instance $env
    (export "get-arguments" (func (result (list string))))))
  (core module $Mem
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param i32) (param $align i32) (param $size i32)
      (result i32)
      (local $p i32)
      (if (local.get $old) (then unreachable))
      (local.set $p (i32.and (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $p) (local.get $size)))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))
  (core func $get-arguments (canon lower (func $env "get-arguments")
    (memory $memory) (realloc $realloc)))
  (core module $M
    (import "h" "get-arguments" (func $get-arguments (param i32)))
    (func (export "run") (result i32)
      (call $get-arguments (i32.const 16))
      (i32.const 0)))
  (core instance $m (instantiate $M
    (with "h" (instance (export "get-arguments" (func $get-arguments))))))
  (func (export "run") (result (result)) (canon lift (core func $m "run")))
)
