;; A stackful async export (lifted `async` without `callback`): it needs JSPI.
(component
  (core func $task-return (canon task.return (result u32)))
  (core module $M
    (import "" "task-return" (func $task-return (param i32)))
    (func (export "run") (param i32)
      (call $task-return (i32.add (local.get 0) (i32.const 1)))))
  (core instance $m (instantiate $M (with "" (instance
    (export "task-return" (func $task-return))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $m "run") async)))
