;; Group `wasi` of the benchmarks (bench/groups/wasi.ts), case `file-read-1m`:
;; `read-1m()` opens "data.bin" in its first preopen, reads up to 1 MiB of
;; it with `descriptor.read` (as many calls as the host needs), drops the
;; descriptor and returns the bytes read. The preopen list is taken once.
(component
  (import "wasi:filesystem/types@0.2.12" (instance $types
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
  (import "wasi:filesystem/preopens@0.2.12" (instance $preopens
    (alias outer 1 $descriptor (type $d'))
    (export "descriptor" (type $d (eq $d')))
    (export "get-directories" (func (result (list (tuple (own $d) string)))))))

  ;; Room for two 1 MiB reads; the allocator starts over before the third.
  (core module $Mem
    (memory (export "memory") 40)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (if (i32.gt_u (i32.add (global.get $next) (local.get 3)) (i32.const 0x240000))
        (then (global.set $next (i32.const 1024))))
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
  (core func $drop (canon resource.drop $descriptor))

  (core module $M
    (import "m" "memory" (memory 40))
    (import "h" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (import "h" "read" (func $read (param i32 i64 i64 i32)))
    (import "h" "get-dirs" (func $get-dirs (param i32)))
    (import "h" "drop" (func $drop (param i32)))
    (data (i32.const 64) "data.bin")
    (global $dir (mut i32) (i32.const 0))
    (func (export "read-1m") (result i64)
      (local $file i32) (local $total i64)
      (if (i32.eqz (global.get $dir))
        (then
          (call $get-dirs (i32.const 100))
          (if (i32.eqz (i32.load (i32.const 104))) (then unreachable)) ;; no preopen
          (global.set $dir (i32.load (i32.load (i32.const 100))))))
      ;; open-at(dir, symlink-follow, "data.bin", no open-flags, read)
      (call $open-at (global.get $dir) (i32.const 1) (i32.const 64) (i32.const 8)
        (i32.const 0) (i32.const 1) (i32.const 300))
      (if (i32.load8_u (i32.const 300)) (then unreachable))
      (local.set $file (i32.load (i32.const 304)))
      (block $done (loop $next
        (call $read (local.get $file) (i64.sub (i64.const 0x100000) (local.get $total))
          (local.get $total) (i32.const 500))
        (if (i32.load8_u (i32.const 500)) (then unreachable))
        ;; ok((list (ptr 504, len 508), end-of-stream 512))
        (local.set $total (i64.add (local.get $total) (i64.extend_i32_u (i32.load (i32.const 508)))))
        (br_if $done (i32.load8_u (i32.const 512)))
        (br_if $done (i32.eqz (i32.load (i32.const 508))))
        (br_if $done (i64.ge_u (local.get $total) (i64.const 0x100000)))
        (br $next)))
      (call $drop (local.get $file))
      (local.get $total)))
  (core instance $m (instantiate $M
    (with "m" (instance $mem))
    (with "h" (instance
      (export "open-at" (func $open-at))
      (export "read" (func $read))
      (export "get-dirs" (func $get-dirs))
      (export "drop" (func $drop))))))
  (func (export "read-1m") (result u64) (canon lift (core func $m "read-1m")))
)
