;; A component at WASI 0.2.0 that reads a file from its first preopen:
;; `cat(path)` opens `path` (following symlinks) and returns its first 4 KiB,
;; or the error-code of the failing call.
(component
  (import "wasi:filesystem/types@0.2.0" (instance $types
    (export "descriptor" (type $d (sub resource)))
    (type $ec' (enum "access" "would-block" "already" "bad-descriptor" "busy" "deadlock" "quota"
      "exist" "file-too-large" "illegal-byte-sequence" "in-progress" "interrupted" "invalid" "io"
      "is-directory" "loop" "too-many-links" "message-size" "name-too-long" "no-device" "no-entry"
      "no-lock" "insufficient-memory" "insufficient-space" "not-directory" "not-empty"
      "not-recoverable" "unsupported" "no-tty" "no-such-device" "overflow" "not-permitted" "pipe"
      "read-only" "invalid-seek" "text-file-busy" "cross-device"))
    (export "error-code" (type $ec (eq $ec')))
    (type $pf' (flags "symlink-follow"))
    (export "path-flags" (type $pf (eq $pf')))
    (type $of' (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of (eq $of')))
    (type $df' (flags "read" "write" "file-integrity-sync" "data-integrity-sync"
      "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $df (eq $df')))
    (export "[method]descriptor.open-at" (func (param "self" (borrow $d)) (param "path-flags" $pf)
      (param "path" string) (param "open-flags" $of) (param "flags" $df)
      (result (result (own $d) (error $ec)))))
    (export "[method]descriptor.read" (func (param "self" (borrow $d)) (param "length" u64)
      (param "offset" u64) (result (result (tuple (list u8) bool) (error $ec)))))))
  (alias export $types "descriptor" (type $descriptor))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:filesystem/preopens@0.2.0" (instance $preopens
    (alias outer 1 $descriptor (type $d'))
    (export "descriptor" (type $d (eq $d')))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))

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

  (core func $open-at (canon lower (func $types "[method]descriptor.open-at")
    (memory $memory) (realloc $realloc)))
  (core func $read (canon lower (func $types "[method]descriptor.read")
    (memory $memory) (realloc $realloc)))
  (core func $get-dirs (canon lower (func $preopens "get-directories")
    (memory $memory) (realloc $realloc)))

  (core module $M
    (import "m" "memory" (memory 1))
    (import "h" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "read" (func $read (param i32 i64 i64 i32)))
    (import "h" "get-dirs" (func $get-dirs (param i32)))
    ;; The export's result area at 400: err with the code found at `from`.
    (func $err (param $from i32) (result i32)
      (i32.store8 (i32.const 400) (i32.const 1))
      (i32.store8 (i32.const 404) (i32.load8_u (local.get $from)))
      (i32.const 400))
    (func (export "cat") (param $p i32) (param $l i32) (result i32)
      (local $file i32)
      (call $get-dirs (i32.const 100))
      ;; open-at(first preopen, symlink-follow, path, no open-flags, read)
      (call $open-at (i32.load (i32.load (i32.const 100))) (i32.const 1)
        (local.get $p) (local.get $l) (i32.const 0) (i32.const 1) (i32.const 300))
      (if (i32.load8_u (i32.const 300)) (then (return (call $err (i32.const 304)))))
      (local.set $file (i32.load (i32.const 304)))
      (call $read (local.get $file) (i64.const 4096) (i64.const 0) (i32.const 500))
      (if (i32.load8_u (i32.const 500)) (then (return (call $err (i32.const 504)))))
      (i32.store8 (i32.const 400) (i32.const 0))
      (i32.store (i32.const 404) (i32.load (i32.const 504)))
      (i32.store (i32.const 408) (i32.load (i32.const 508)))
      (i32.const 400)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "open-at" (func $open-at))
      (export "read" (func $read))
      (export "get-dirs" (func $get-dirs))))))
  (func (export "cat") (param "path" string) (result (result (list u8) (error $error-code)))
    (canon lift (core func $m "cat") (memory $memory) (realloc $realloc)))
)
