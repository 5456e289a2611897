;; Option matrix, stackful component: `run` (a sync function type, lifted
;; without options) answers x + 1; `run-async` (an async function type,
;; lifted `async` without `callback`: JSPI needed) answers x + 1 with
;; task.return.
(component
  (core func $task-return (canon task.return (result u32)))
  (core module $M
    (import "" "task-return" (func $task-return (param i32)))
    (func (export "add") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "run") (param i32)
      (call $task-return (i32.add (local.get 0) (i32.const 1)))))
  (core instance $m (instantiate $M (with "" (instance
    (export "task-return" (func $task-return))))))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $m "add")))
  (func (export "run-async") async (param "x" u32) (result u32)
    (canon lift (core func $m "run") async)))
