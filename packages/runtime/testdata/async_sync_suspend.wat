;; A sync function export of a component that uses component-model async:
;; `get(x)` (lifted without `async`) calls the sync host import `fetch(x)`
;; and answers its value; its post-return counts in `post-returns()`. With
;; JSPI, a `fetch` that answers with a Promise suspends the call.
(component
  (import "fetch" (func $fetch (param "x" u32) (result u32)))
  (core func $fetch-l (canon lower (func $fetch)))
  (core func $bp-inc (canon backpressure.inc))
  (core module $M
    (import "" "fetch" (func $fetch (param i32) (result i32)))
    (global $post (mut i32) (i32.const 0))
    (func (export "get") (param $x i32) (result i32) (call $fetch (local.get $x)))
    (func (export "get-post") (param i32)
      (global.set $post (i32.add (global.get $post) (i32.const 1))))
    (func (export "post-returns") (result i32) (global.get $post)))
  (core instance $m (instantiate $M (with "" (instance (export "fetch" (func $fetch-l))))))
  (func (export "get") (param "x" u32) (result u32)
    (canon lift (core func $m "get") (post-return (core func $m "get-post"))))
  (func (export "post-returns") (result u32) (canon lift (core func $m "post-returns"))))
