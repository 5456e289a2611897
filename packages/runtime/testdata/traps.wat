;; Exports that trap, return results, and take every scalar kind.
(component
  (type $err (result u32 (error string)))
  (core module $M
    (memory (export "mem") 1)
    (data (i32.const 100) "bad")
    (func (export "unreachable") unreachable)
    (func (export "check") (param i32) (result i32)
      ;; result<u32, string> in a return area at 0: tag, then payload
      (if (i32.lt_u (local.get 0) (i32.const 10))
        (then
          (i32.store8 (i32.const 0) (i32.const 0))
          (i32.store (i32.const 4) (i32.mul (local.get 0) (i32.const 2))))
        (else
          (i32.store8 (i32.const 0) (i32.const 1))
          (i32.store (i32.const 4) (i32.const 100))
          (i32.store (i32.const 8) (i32.const 3))))
      (i32.const 0))
    (func (export "echo-u8") (param i32) (result i32) (local.get 0))
    (func (export "echo-s64") (param i64) (result i64) (local.get 0))
    (func (export "echo-f32") (param f32) (result f32) (local.get 0))
    (func (export "echo-char") (param i32) (result i32) (local.get 0))
    (func (export "bad-char") (result i32) (i32.const 0xd800))
  )
  (core instance $m (instantiate $M))
  (func (export "unreachable") (canon lift (core func $m "unreachable")))
  (func (export "check") (param "n" u32) (result $err)
    (canon lift (core func $m "check") (memory (core memory $m "mem"))))
  (func (export "echo-u8") (param "v" u8) (result u8) (canon lift (core func $m "echo-u8")))
  (func (export "echo-s64") (param "v" s64) (result s64) (canon lift (core func $m "echo-s64")))
  (func (export "echo-f32") (param "v" f32) (result f32) (canon lift (core func $m "echo-f32")))
  (func (export "echo-char") (param "v" char) (result char) (canon lift (core func $m "echo-char")))
  (func (export "bad-char") (result char) (canon lift (core func $m "bad-char")))
)
