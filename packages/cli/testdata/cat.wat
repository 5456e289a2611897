;; A command that copies a file from its first preopen to stdout: `run` opens
;; args[1] (read-only, following symlinks), reads up to 64 KiB and writes it
;; out; a failing open or read makes `run` return err. With a second argument
;; it instead creates that file and writes args[2] into it (for read-only tests).
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
    (type $fs' u64)
    (export "filesize" (type $fs (eq $fs')))
    (export "[method]descriptor.open-at" (func (param "self" (borrow $d)) (param "path-flags" $pf)
      (param "path" string) (param "open-flags" $of) (param "flags" $df)
      (result (result (own $d) (error $ec)))))
    (export "[method]descriptor.read" (func (param "self" (borrow $d)) (param "length" $fs)
      (param "offset" $fs) (result (result (tuple (list u8) bool) (error $ec)))))
    (export "[method]descriptor.write" (func (param "self" (borrow $d)) (param "buffer" (list u8))
      (param "offset" $fs) (result (result $fs (error $ec)))))))
  (alias export $types "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.2.0" (instance $preopens
    (alias outer 1 $descriptor (type $d'))
    (export "descriptor" (type $d (eq $d')))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))

  (core module $Mem
    (memory (export "memory") 2)
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
  (core func $open-at (canon lower (func $types "[method]descriptor.open-at")
    (memory $memory) (realloc $realloc)))
  (core func $read (canon lower (func $types "[method]descriptor.read")
    (memory $memory) (realloc $realloc)))
  (core func $fwrite (canon lower (func $types "[method]descriptor.write")
    (memory $memory) (realloc $realloc)))
  (core func $get-dirs (canon lower (func $preopens "get-directories")
    (memory $memory) (realloc $realloc)))

  (core module $M
    (import "m" "memory" (memory 2))
    (import "h" "write" (func $write (param i32 i32 i32 i32)))
    (import "h" "get-stdout" (func $get-stdout (result i32)))
    (import "h" "get-args" (func $get-args (param i32)))
    (import "h" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "read" (func $read (param i32 i64 i64 i32)))
    (import "h" "fwrite" (func $fwrite (param i32 i32 i32 i64 i32)))
    (import "h" "get-dirs" (func $get-dirs (param i32)))
    (func (export "run") (result i32)
      (local $args i32) (local $argc i32) (local $file i32)
      (call $get-args (i32.const 100))
      (local.set $args (i32.load (i32.const 100)))
      (local.set $argc (i32.load (i32.const 104)))
      (if (i32.lt_u (local.get $argc) (i32.const 2)) (then (return (i32.const 1))))
      (call $get-dirs (i32.const 108))
      (if (i32.eqz (i32.load (i32.const 112))) (then (return (i32.const 1))))
      (if (i32.ge_u (local.get $argc) (i32.const 3))
        (then
          ;; open-at(preopen, symlink-follow, path, create|truncate, write)
          (call $open-at (i32.load (i32.load (i32.const 108))) (i32.const 1)
            (i32.load offset=8 (local.get $args)) (i32.load offset=12 (local.get $args))
            (i32.const 9) (i32.const 2) (i32.const 300))
          (if (i32.load8_u (i32.const 300)) (then (return (i32.const 1))))
          (call $fwrite (i32.load (i32.const 304))
            (i32.load offset=16 (local.get $args)) (i32.load offset=20 (local.get $args))
            (i64.const 0) (i32.const 320))
          (return (i32.load8_u (i32.const 320)))))
      ;; open-at(preopen, symlink-follow, path, no open-flags, read)
      (call $open-at (i32.load (i32.load (i32.const 108))) (i32.const 1)
        (i32.load offset=8 (local.get $args)) (i32.load offset=12 (local.get $args))
        (i32.const 0) (i32.const 1) (i32.const 300))
      (if (i32.load8_u (i32.const 300)) (then (return (i32.const 1))))
      (local.set $file (i32.load (i32.const 304)))
      (call $read (local.get $file) (i64.const 65536) (i64.const 0) (i32.const 400))
      (if (i32.load8_u (i32.const 400)) (then (return (i32.const 1))))
      (call $write (call $get-stdout) (i32.load (i32.const 404)) (i32.load (i32.const 408))
        (i32.const 420))
      (i32.load8_u (i32.const 420))))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "write" (func $write))
      (export "get-stdout" (func $get-stdout))
      (export "get-args" (func $get-args))
      (export "open-at" (func $open-at))
      (export "read" (func $read))
      (export "fwrite" (func $fwrite))
      (export "get-dirs" (func $get-dirs))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-instance))
)
