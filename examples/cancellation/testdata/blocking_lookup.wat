;; `lookup(key)`, a synchronous export, calls the synchronous import
;; `fetch-value(key)` and answers its value plus one. Given an async JS
;; function for the import, the guest is suspended (JSPI) while it waits, so
;; the call cannot be cancelled inside the guest: it finishes in isolation.
(component
  (import "fetch-value" (func $fetch (param "key" u32) (result u32)))
  (core func $fetch-l (canon lower (func $fetch)))
  (core module $Main
    (import "" "fetch" (func $fetch (param i32) (result i32)))
    (global $calls (mut i32) (i32.const 0))
    (func (export "lookup") (param i32) (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (i32.add (call $fetch (local.get 0)) (i32.const 1)))
    (func (export "calls") (result i32) (global.get $calls)))
  (core instance $main (instantiate $Main (with "" (instance (export "fetch" (func $fetch-l))))))
  (func (export "lookup") (param "key" u32) (result u32) (canon lift (core func $main "lookup")))
  (func (export "calls") (result u32) (canon lift (core func $main "calls"))))
