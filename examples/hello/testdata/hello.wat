;; The demo component: a greeting (strings and a host import), a record, a
;; variant and a resource (a counter), all implemented in core wasm by hand.
(component
  ;; The host supplies a logger; the guest calls it from `greet`.
  (import "log" (func $log (param "message" string)))

  (type $point (record (field "x" s32) (field "y" s32)))
  (export $point-t "point" (type $point))
  (type $shape (variant (case "circle" f64) (case "square" f64) (case "dot")))
  (export $shape-t "shape" (type $shape))

  (core module $Mem
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    ;; A bump allocator is enough for a demo: memory is never freed, and a
    ;; reallocation copies the old bytes to a fresh block.
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32)
      (param $size i32) (result i32)
      (local $ptr i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.xor (i32.sub (local.get $align) (i32.const 1)) (i32.const -1))))
      (global.set $heap (i32.add (local.get $ptr) (local.get $size)))
      (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.const 1)))))
      (if (local.get $old)
        (then (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old-size) (local.get $size)
            (i32.lt_u (local.get $old-size) (local.get $size))))))
      (local.get $ptr))
  )
  (core instance $mem (instantiate $Mem))
  (alias core export $mem "memory" (core memory $memory))
  (alias core export $mem "realloc" (core func $realloc))

  (core func $log-lowered (canon lower (func $log) (memory $memory) (realloc $realloc)))

  (type $counter (resource (rep i32)))
  (core func $counter-new (canon resource.new $counter))
  (core func $counter-rep (canon resource.rep $counter))

  (core module $Main
    (import "env" "memory" (memory 1))
    (import "env" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "env" "log" (func $log (param i32 i32)))
    (import "env" "counter-new" (func $counter-new (param i32) (result i32)))
    (import "env" "counter-rep" (func $counter-rep (param i32) (result i32)))
    (data (i32.const 16) "Hello, ")
    (data (i32.const 32) "greeting ")

    ;; greet(name) -> "Hello, " + name; also logs "greeting " + name.
    (func (export "greet") (param $ptr i32) (param $len i32) (result i32)
      (local $out i32)
      (local $msg i32)
      (local.set $msg (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (local.get $len) (i32.const 9))))
      (memory.copy (local.get $msg) (i32.const 32) (i32.const 9))
      (memory.copy (i32.add (local.get $msg) (i32.const 9)) (local.get $ptr) (local.get $len))
      (call $log (local.get $msg) (i32.add (local.get $len) (i32.const 9)))
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (local.get $len) (i32.const 7))))
      (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
      ;; The result is a (ptr, len) pair in a return area.
      (i32.store (i32.const 0) (local.get $out))
      (i32.store (i32.const 4) (i32.add (local.get $len) (i32.const 7)))
      (i32.const 0))

    ;; translate(p, dx, dy) -> { x: p.x + dx, y: p.y + dy }
    (func (export "translate") (param i32 i32 i32 i32) (result i32)
      (i32.store (i32.const 8) (i32.add (local.get 0) (local.get 2)))
      (i32.store (i32.const 12) (i32.add (local.get 1) (local.get 3)))
      (i32.const 8))

    ;; area(shape) -> f64: the variant arrives as (discriminant, payload).
    (func (export "area") (param $case i32) (param $size f64) (result f64)
      (if (result f64) (i32.eq (local.get $case) (i32.const 0))
        (then (f64.mul (f64.const 3.141592653589793) (f64.mul (local.get $size) (local.get $size))))
        (else (if (result f64) (i32.eq (local.get $case) (i32.const 1))
          (then (f64.mul (local.get $size) (local.get $size)))
          (else (f64.const 0))))))

    ;; counter: the rep is the address of an i32 cell.
    (global $next (mut i32) (i32.const 64))
    (func (export "counter-constructor") (param $start i32) (result i32)
      (local $cell i32)
      (local.set $cell (global.get $next))
      (global.set $next (i32.add (global.get $next) (i32.const 4)))
      (i32.store (local.get $cell) (local.get $start))
      (call $counter-new (local.get $cell)))
    (func (export "counter-increment") (param $self i32) (result i32)
      (local $cell i32)
      ;; A borrow of a resource the instance implements arrives as the rep itself.
      (local.set $cell (local.get $self))
      (i32.store (local.get $cell) (i32.add (i32.load (local.get $cell)) (i32.const 1)))
      (i32.load (local.get $cell)))
  )
  (core instance $main (instantiate $Main
    (with "env" (instance
      (export "memory" (memory $memory))
      (export "realloc" (func $realloc))
      (export "log" (func $log-lowered))
      (export "counter-new" (func $counter-new))
      (export "counter-rep" (func $counter-rep))))))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $main "greet") (memory $memory) (realloc $realloc)))
  (func (export "translate") (param "p" $point-t) (param "dx" s32) (param "dy" s32) (result $point-t)
    (canon lift (core func $main "translate") (memory $memory)))
  (func (export "area") (param "s" $shape-t) (result f64)
    (canon lift (core func $main "area")))
  (export $counter-t "counter" (type $counter))
  (func (export "[constructor]counter") (param "start" u32) (result (own $counter-t))
    (canon lift (core func $main "counter-constructor")))
  (func (export "[method]counter.increment") (param "self" (borrow $counter-t)) (result u32)
    (canon lift (core func $main "counter-increment")))
)
