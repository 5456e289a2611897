;; A component whose imports use most value types, for `weft types` and
;; `weft inspect`: an interface with a record, a variant, an enum, flags and a
;; resource with a constructor, a method and a static function; a plain
;; function import; and an `add` export.
(component
  (import "example:shapes/geometry@1.2.0" (instance $geometry
    (type $point' (record (field "x" f64) (field "y" f64)))
    (export "point" (type $point (eq $point')))
    (type $shape' (variant (case "circle" f32) (case "polygon" (list $point)) (case "empty")))
    (export "shape" (type $shape (eq $shape')))
    (type $color' (enum "red" "green" "dark-blue"))
    (export "color" (type $color (eq $color')))
    (type $style' (flags "bold" "line-through"))
    (export "style" (type $style (eq $style')))
    (export "canvas" (type $canvas (sub resource)))
    (export "[constructor]canvas" (func (param "width" u32) (param "height" u32)
      (result (own $canvas))))
    (export "[method]canvas.draw" (func (param "self" (borrow $canvas)) (param "shape" $shape)
      (param "color" (option $color)) (param "style" $style) (result (result u64 (error string)))))
    (export "[static]canvas.merge" (func (param "a" (own $canvas)) (param "b" (own $canvas))
      (result (own $canvas))))
    (export "area" (func (param "shape" $shape) (result f64)))
    (export "bounds" (func (param "points" (list $point))
      (result (option (option (tuple $point $point))))))
    (export "samples" (func (result (list s16))))))
  (import "log" (func $log (param "message" string) (param "level" char)))
  (core module $M
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
  (core instance $m (instantiate $M))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $m "add")))
)
