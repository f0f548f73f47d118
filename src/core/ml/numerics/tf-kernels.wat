;; Two kernels for TensorFlow.js's wasm backend, run on that backend's own memory (tf-kernels.ts imports it
;; here): four floats per instruction where the backend's versions go a float at a time or through a copy.
;; tf-kernels.bytes.ts holds this module compiled (`npm run build:wasm` writes it; a test checks that it is up to
;; date). Matrices are row-major float32; addresses are byte offsets, 4-byte aligned.
(module
  (import "env" "memory" (memory 1))

  ;; out[j] = Σᵢ x[i, j] for the `rows × cols` matrix x: each column summed from the first row down, as the
  ;; backend's own Sum does after its transpose, so the results are the same floats.
  (func (export "columnSums") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $rowBytes i32) (local $j i32) (local $wide i32) (local $p i32) (local $end i32)
    (local $acc v128) (local $one f32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $wide (i32.and (local.get $cols) (i32.const -4)))
    (local.set $j (i32.const 0))
    ;; Four columns at a time: one vector of sums, down the rows.
    (block $wideDone
      (loop $wideColumns
        (br_if $wideDone (i32.ge_u (local.get $j) (local.get $wide)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $end (i32.add (local.get $p) (i32.mul (local.get $rows) (local.get $rowBytes))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (block $rowsDone
          (loop $rowsLoop
            (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $acc (f32x4.add (local.get $acc) (v128.load align=4 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
            (br $rowsLoop)))
        (v128.store align=4 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $wideColumns)))
    ;; The last cols mod 4 columns one at a time.
    (block $done
      (loop $columns
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $end (i32.add (local.get $p) (i32.mul (local.get $rows) (local.get $rowBytes))))
        (local.set $one (f32.const 0))
        (block $rowsDone
          (loop $rowsLoop
            (br_if $rowsDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $one (f32.add (local.get $one) (f32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
            (br $rowsLoop)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $one))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns))))

  ;; out = xᵀ for the `rows × cols` matrix x (out is `cols × rows`): 4 × 4 blocks transposed in registers, then
  ;; the rows and columns past the last whole block one float at a time.
  (func (export "transpose") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $rowBytes i32) (local $outRowBytes i32) (local $wideRows i32) (local $wideCols i32)
    (local $i i32) (local $j i32) (local $src i32) (local $dst i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $outRowBytes (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $wideRows (i32.and (local.get $rows) (i32.const -4)))
    (local.set $wideCols (i32.and (local.get $cols) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $blockRowsDone
      (loop $blockRows
        (br_if $blockRowsDone (i32.ge_u (local.get $i) (local.get $wideRows)))
        (local.set $j (i32.const 0))
        (block $blockColsDone
          (loop $blockCols
            (br_if $blockColsDone (i32.ge_u (local.get $j) (local.get $wideCols)))
            ;; Rows i..i+3, columns j..j+3: a b c d.
            (local.set $src
              (i32.add (local.get $x)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
            (local.set $r0 (v128.load align=4 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
            (local.set $r1 (v128.load align=4 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
            (local.set $r2 (v128.load align=4 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
            (local.set $r3 (v128.load align=4 (local.get $src)))
            ;; t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = c0 d0 c1 d1, t3 = c2 d2 c3 d3
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
            ;; Output rows j..j+3, columns i..i+3: a0 b0 c0 d0, a1 b1 c1 d1, a2 b2 c2 d2, a3 b3 c3 d3.
            (local.set $dst
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
            (v128.store align=4 (local.get $dst)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (local.set $dst (i32.add (local.get $dst) (local.get $outRowBytes)))
            (v128.store align=4 (local.get $dst)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (local.set $dst (i32.add (local.get $dst) (local.get $outRowBytes)))
            (v128.store align=4 (local.get $dst)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (local.set $dst (i32.add (local.get $dst) (local.get $outRowBytes)))
            (v128.store align=4 (local.get $dst)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $blockCols)))
        ;; Columns past the last whole block, for these four rows.
        (call $copyOut (local.get $x) (local.get $rows) (local.get $cols) (local.get $out)
          (local.get $i) (i32.add (local.get $i) (i32.const 4)) (local.get $wideCols))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $blockRows)))
    ;; Rows past the last whole block, every column.
    (call $copyOut (local.get $x) (local.get $rows) (local.get $cols) (local.get $out)
      (local.get $wideRows) (local.get $rows) (i32.const 0)))

  ;; out[j, i] = x[i, j] for rows i in [from, to) and columns j from `firstCol` on, one float at a time.
  (func $copyOut (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (param $from i32) (param $to i32) (param $firstCol i32)
    (local $i i32) (local $j i32)
    (local.set $i (local.get $from))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $j (local.get $firstCol))
        (block $colsDone
          (loop $colsLoop
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
              (f32.load
                (i32.add (local.get $x)
                  (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $colsLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsLoop)))))
