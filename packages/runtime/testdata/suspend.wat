;; Host imports that may block: the guest calls them synchronously, and with
;; JSPI it is suspended until the host's Promise settles (suspend_test.ts).
(component
  (import "sleep" (func $sleep (param "ms" u32) (result u32)))
  (import "greet" (func $greet (param "name" string) (result string)))
  (core module $libc
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (global.get $bump) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core func $sleep_l (canon lower (func $sleep)))
  (core func $greet_l
    (canon lower (func $greet) (memory $libc "mem") (realloc (func $libc "realloc"))))
  (core module $main
    (import "libc" "mem" (memory 1))
    (import "h" "sleep" (func $sleep (param i32) (result i32)))
    (import "h" "greet" (func $greet (param i32 i32 i32)))
    (global $naps (mut i32) (i32.const 0))
    (func (export "nap") (param i32) (result i32)
      (global.set $naps (i32.add (global.get $naps) (i32.const 1)))
      (i32.add (call $sleep (local.get 0)) (i32.const 1)))
    (func (export "naps") (result i32) (global.get $naps))
    (func (export "hello") (param i32 i32) (result i32)
      (call $greet (local.get 0) (local.get 1) (i32.const 16))
      (i32.const 16)))
  (core instance $main (instantiate $main
    (with "libc" (instance $libc))
    (with "h" (instance (export "sleep" (func $sleep_l)) (export "greet" (func $greet_l))))))
  (func (export "nap") (param "ms" u32) (result u32) (canon lift (core func $main "nap")))
  (func (export "naps") (result u32) (canon lift (core func $main "naps")))
  (func (export "hello") (param "name" string) (result string)
    (canon lift (core func $main "hello") (memory $libc "mem") (realloc (func $libc "realloc")))))
