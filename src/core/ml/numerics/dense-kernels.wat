;; The linear solver's passes over dense rows, two doubles at a time (WebAssembly SIMD), and the rest of its work
;; on them: the rows' copy and check, their losses (with fdlibm's exp and log) and Newton's Cholesky solve.
;; dense-kernels.bytes.ts holds this module compiled (`npm run build:wasm` writes it; a test checks that it is up
;; to date). Every matrix is row-major with a row of `s` doubles, `s` a multiple of 4, the padding zeros; all
;; addresses are byte offsets into the memory the caller gives it, 16-byte aligned.
(module
  (import "env" "memory" (memory 1))

  ;; z[i] = Σⱼ x[i, j]·θ[j] for the n rows.
  (func (export "margins") (param $x i32) (param $n i32) (param $s i32) (param $theta i32) (param $z i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $a v128) (local $b v128)
    (local.set $rowBytes (i32.shl (local.get $s) (i32.const 3)))
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (local.set $a (v128.const f64x2 0 0))
        (local.set $b (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (loop $cols
          (local.set $a
            (f64x2.add (local.get $a)
              (f64x2.mul
                (v128.load (i32.add (local.get $x) (local.get $j)))
                (v128.load (i32.add (local.get $theta) (local.get $j))))))
          (local.set $b
            (f64x2.add (local.get $b)
              (f64x2.mul
                (v128.load offset=16 (i32.add (local.get $x) (local.get $j)))
                (v128.load offset=16 (i32.add (local.get $theta) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br_if $cols (i32.lt_u (local.get $j) (local.get $rowBytes))))
        (local.set $a (f64x2.add (local.get $a) (local.get $b)))
        (f64.store (local.get $z)
          (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $z (i32.add (local.get $z) (i32.const 8)))
        (br $rows))))

  ;; out[j] = Σᵢ g[i]·x[i, j] (out has s doubles; rows whose g is 0 are skipped).
  (func (export "gradient") (param $x i32) (param $n i32) (param $s i32) (param $g i32) (param $out i32)
    (local $rowBytes i32) (local $end i32) (local $j i32) (local $gi f64) (local $splat v128) (local $at i32)
    (local.set $rowBytes (i32.shl (local.get $s) (i32.const 3)))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 3))))
    (memory.fill (local.get $out) (i32.const 0) (local.get $rowBytes))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gi (f64.load (local.get $g)))
        (if (f64.ne (local.get $gi) (f64.const 0))
          (then
            (local.set $splat (f64x2.splat (local.get $gi)))
            (local.set $j (i32.const 0))
            (loop $cols
              (local.set $at (i32.add (local.get $out) (local.get $j)))
              (v128.store (local.get $at)
                (f64x2.add (v128.load (local.get $at))
                  (f64x2.mul (local.get $splat) (v128.load (i32.add (local.get $x) (local.get $j))))))
              (v128.store offset=16 (local.get $at)
                (f64x2.add (v128.load offset=16 (local.get $at))
                  (f64x2.mul (local.get $splat) (v128.load offset=16 (i32.add (local.get $x) (local.get $j))))))
              (local.set $j (i32.add (local.get $j) (i32.const 32)))
              (br_if $cols (i32.lt_u (local.get $j) (local.get $rowBytes))))))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (br $rows))))

  ;; out (s × s) = Σ h[k]·x[k·step]·x[k·step]ᵀ over the rows k·step < n; only the upper triangle's blocks are
  ;; summed (from the diagonal's pair on), the rest is left as it was. Rows whose h is 0, and a row's zero
  ;; entries, are skipped.
  (func (export "hessian")
    (param $x i32) (param $n i32) (param $s i32) (param $step i32) (param $h i32) (param $out i32)
    (local $rowBytes i32) (local $i i32) (local $hi f64) (local $a i32) (local $xa f64) (local $splat v128)
    (local $j i32) (local $at i32) (local $outRow i32) (local $stepBytes i32)
    (local.set $rowBytes (i32.shl (local.get $s) (i32.const 3)))
    (local.set $stepBytes (i32.mul (local.get $rowBytes) (local.get $step)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $rowBytes) (local.get $s)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $hi (f64.load (local.get $h)))
        (if (f64.ne (local.get $hi) (f64.const 0))
          (then
            (local.set $a (i32.const 0))
            (local.set $outRow (local.get $out))
            (loop $entries
              (local.set $xa (f64.load (i32.add (local.get $x) (local.get $a))))
              (if (f64.ne (local.get $xa) (f64.const 0))
                (then
                  (local.set $splat (f64x2.splat (f64.mul (local.get $hi) (local.get $xa))))
                  ;; From the pair holding the diagonal: column a rounded down to even, in bytes.
                  (local.set $j (i32.and (local.get $a) (i32.const -16)))
                  (loop $cols
                    (local.set $at (i32.add (local.get $outRow) (local.get $j)))
                    (v128.store (local.get $at)
                      (f64x2.add (v128.load (local.get $at))
                        (f64x2.mul (local.get $splat) (v128.load (i32.add (local.get $x) (local.get $j))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 16)))
                    (br_if $cols (i32.lt_u (local.get $j) (local.get $rowBytes))))))
              (local.set $outRow (i32.add (local.get $outRow) (local.get $rowBytes)))
              (local.set $a (i32.add (local.get $a) (i32.const 8)))
              (br_if $entries (i32.lt_u (local.get $a) (local.get $rowBytes))))))
        (local.set $x (i32.add (local.get $x) (local.get $stepBytes)))
        (local.set $h (i32.add (local.get $h) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (local.get $step)))
        (br $rows))))

  ;; Σ x[k]·0 over the `count` doubles at x: 0 when every one is finite, NaN when one is NaN or ±Infinity.
  (func (export "probe") (param $x i32) (param $count i32) (result f64)
    (local $end i32) (local $acc v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (local.set $acc (v128.const f64x2 0 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $acc
          (f64x2.add (local.get $acc) (f64x2.mul (v128.load (local.get $x)) (v128.const f64x2 0 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $pairs)))
    (f64.add
      (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc)))
      ;; An odd count's last number.
      (if (result f64) (i32.and (local.get $count) (i32.const 1))
        (then (f64.mul (f64.load (local.get $x)) (f64.const 0)))
        (else (f64.const 0)))))

  ;; n rows of d doubles stored one after another at x, spread in place to rows of s doubles (s > d): each row's
  ;; numbers, then a 1, then zeros. From the last row to the first: row i goes to i·s ≥ i·d, past the end of every
  ;; earlier row's numbers, so none is overwritten before it has moved (memory.copy allows the overlap).
  (func (export "spread") (param $x i32) (param $n i32) (param $d i32) (param $s i32)
    (local $i i32) (local $to i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $i (local.get $n))
    (block $done
      (loop $rows
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (local.set $to (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $s)) (i32.const 3))))
        (memory.copy (local.get $to)
          (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowBytes)))
          (local.get $rowBytes))
        (f64.store (i32.add (local.get $to) (local.get $rowBytes)) (f64.const 1))
        (memory.fill (i32.add (local.get $to) (i32.add (local.get $rowBytes) (i32.const 8)))
          (i32.const 0)
          (i32.shl (i32.sub (i32.sub (local.get $s) (local.get $d)) (i32.const 1)) (i32.const 3)))
        (br $rows))))

  ;; Solves A·x = b for the symmetric positive definite p × p matrix A given by its upper triangle (row-major at
  ;; a, doubles) by Cholesky's factorisation A = L·Lᵀ, L written over a's lower triangle and diagonal; 1, or 0
  ;; when A is not positive definite. b and x hold p doubles each.
  (func (export "cholesky") (param $a i32) (param $p i32) (param $b i32) (param $x i32) (result i32)
    (local $i i32) (local $j i32) (local $k i32) (local $rowI i32) (local $rowJ i32)
    (local $v f64) (local $l f64)
    ;; Column j of L: its diagonal, then the entries below it.
    (block $factored
      (loop $columns
        (br_if $factored (i32.ge_u (local.get $j) (local.get $p)))
        (local.set $rowJ (i32.add (local.get $a) (i32.shl (i32.mul (local.get $j) (local.get $p)) (i32.const 3))))
        (local.set $v (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $done
          (loop $terms
            (br_if $done (i32.ge_u (local.get $k) (local.get $j)))
            (local.set $l (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $k) (i32.const 3)))))
            (local.set $v (f64.sub (local.get $v) (f64.mul (local.get $l) (local.get $l))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $terms)))
        ;; Not positive definite (or NaN): no factor.
        (if (i32.eqz (f64.gt (local.get $v) (f64.const 0))) (then (return (i32.const 0))))
        (local.set $l (f64.sqrt (local.get $v)))
        (f64.store (i32.add (local.get $rowJ) (i32.shl (local.get $j) (i32.const 3))) (local.get $l))
        (local.set $i (i32.add (local.get $j) (i32.const 1)))
        (block $below
          (loop $rows
            (br_if $below (i32.ge_u (local.get $i) (local.get $p)))
            (local.set $rowI (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $p)) (i32.const 3))))
            ;; A[i][j] is read from the upper triangle (row j), which the factor written below it never overwrites.
            (local.set $v (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $k (i32.const 0))
            (block $done
              (loop $terms
                (br_if $done (i32.ge_u (local.get $k) (local.get $j)))
                (local.set $v
                  (f64.sub (local.get $v)
                    (f64.mul
                      (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $k) (i32.const 3))))
                      (f64.load (i32.add (local.get $rowJ) (i32.shl (local.get $k) (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $terms)))
            (f64.store (i32.add (local.get $rowI) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div (local.get $v) (local.get $l)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns)))
    ;; L·u = b, forward.
    (local.set $i (i32.const 0))
    (block $forwardDone
      (loop $forward
        (br_if $forwardDone (i32.ge_u (local.get $i) (local.get $p)))
        (local.set $rowI (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $p)) (i32.const 3))))
        (local.set $v (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $done
          (loop $terms
            (br_if $done (i32.ge_u (local.get $k) (local.get $i)))
            (local.set $v
              (f64.sub (local.get $v)
                (f64.mul
                  (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $k) (i32.const 3))))
                  (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $terms)))
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $v) (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $forward)))
    ;; Lᵀ·x = u, backward.
    (local.set $i (local.get $p))
    (block $backwardDone
      (loop $backward
        (br_if $backwardDone (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (i32.add (local.get $i) (i32.const 1)))
        (block $done
          (loop $terms
            (br_if $done (i32.ge_u (local.get $k) (local.get $p)))
            (local.set $v
              (f64.sub (local.get $v)
                (f64.mul
                  (f64.load
                    (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.mul (local.get $k) (local.get $p)) (local.get $i)) (i32.const 3))))
                  (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $terms)))
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $v)
            (f64.load
              (i32.add (local.get $a)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $p)) (local.get $i)) (i32.const 3))))))
        (br $backward)))
    (i32.const 1))


  ;; The rows' losses at their margins z (from `margins`), labels y (0 or 1): returns Σᵢ log(1 + exp(−sᵢzᵢ)),
  ;; sᵢ = 2yᵢ − 1, and writes each row's weight in the gradient, g[i] = c·(σ(zᵢ) − yᵢ). The same operations in
  ;; the same order as `rowLosses` in linear-solver.ts, with fdlibm's exp and log as V8's Math.exp and Math.log
  ;; are: the same numbers. One exp per row; the log of a product of 512 factors (1 + e), each at most 2.
  (func (export "logisticLoss") (param $z i32) (param $y i32) (param $g i32) (param $n i32) (param $c f64)
    (result f64)
    (local $i i32) (local $zi f64) (local $yi f64) (local $m f64) (local $e f64) (local $f f64) (local $product f64)
    (local.set $product (f64.const 1))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $zi (f64.load (local.get $z)))
        (local.set $yi (f64.load (local.get $y)))
        (local.set $m (f64.mul (f64.sub (f64.mul (f64.const 2) (local.get $yi)) (f64.const 1)) (local.get $zi)))
        (local.set $e
          (call $exp (select (f64.neg (local.get $zi)) (local.get $zi) (f64.ge (local.get $zi) (f64.const 0)))))
        (local.set $f
          (f64.add (local.get $f)
            (select (f64.const 0) (f64.neg (local.get $m)) (f64.gt (local.get $m) (f64.const 0)))))
        (local.set $product (f64.mul (local.get $product) (f64.add (f64.const 1) (local.get $e))))
        (if (i32.eq (i32.and (local.get $i) (i32.const 511)) (i32.const 511))
          (then
            (local.set $f (f64.add (local.get $f) (call $log (local.get $product))))
            (local.set $product (f64.const 1))))
        (f64.store (local.get $g)
          (f64.mul (local.get $c)
            (f64.sub
              (if (result f64) (f64.ge (local.get $zi) (f64.const 0))
                (then (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e))))
                (else (f64.div (local.get $e) (f64.add (f64.const 1) (local.get $e)))))
              (local.get $yi))))
        (local.set $z (i32.add (local.get $z) (i32.const 8)))
        (local.set $y (i32.add (local.get $y) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (f64.add (local.get $f) (call $log (local.get $product))))

  ;; The squared hinge's: Σᵢ (1 − sᵢzᵢ)² over the rows inside the margin (sᵢzᵢ < 1), g[i] = −2c·sᵢ(1 − sᵢzᵢ)
  ;; there and 0 elsewhere; as `rowLosses` computes them.
  (func (export "squaredHingeLoss") (param $z i32) (param $y i32) (param $g i32) (param $n i32) (param $c f64)
    (result f64)
    (local $end i32) (local $s f64) (local $m f64) (local $f f64)
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (local.set $s (f64.sub (f64.mul (f64.const 2) (f64.load (local.get $y))) (f64.const 1)))
        (local.set $m (f64.mul (local.get $s) (f64.load (local.get $z))))
        (if (f64.ge (local.get $m) (f64.const 1))
          (then (f64.store (local.get $g) (f64.const 0)))
          (else
            (local.set $f
              (f64.add (local.get $f)
                (f64.mul (f64.sub (f64.const 1) (local.get $m)) (f64.sub (f64.const 1) (local.get $m)))))
            (f64.store (local.get $g)
              (f64.mul (f64.mul (f64.mul (local.get $c) (f64.const -2)) (local.get $s))
                (f64.sub (f64.const 1) (local.get $m))))))
        (local.set $z (i32.add (local.get $z) (i32.const 8)))
        (local.set $y (i32.add (local.get $y) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (br $rows)))
    (local.get $f))

  ;; fdlibm's exp (e_exp.c), as V8's Math.exp: argument reduction x = k·ln2 + r, |r| ≤ ½ln2, then a rational
  ;; approximation of exp(r) and a scaling by 2^k.
  (func $exp (export "exp") (param $x f64) (result f64)
    (local $hx i32) (local $xsb i32) (local $k i32) (local $hi f64) (local $lo f64) (local $t f64) (local $c f64)
    (local $y f64) (local $twopk f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $xsb (i32.shr_u (local.get $hx) (i32.const 31)))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x7fffffff)))
    ;; |x| ≥ 709.78…: NaN, ±Infinity, overflow or underflow.
    (if (i32.ge_u (local.get $hx) (i32.const 0x40862E42))
      (then
        (if (i32.ge_u (local.get $hx) (i32.const 0x7ff00000))
          (then
            (if (f64.ne (local.get $x) (local.get $x)) (then (return (f64.add (local.get $x) (local.get $x)))))
            (return (select (local.get $x) (f64.const 0) (i32.eqz (local.get $xsb))))))
        (if (f64.gt (local.get $x) (f64.const 7.09782712893383973096e+02)) (then (return (f64.const inf))))
        (if (f64.lt (local.get $x) (f64.const -7.45133219101941108420e+02)) (then (return (f64.const 0))))))
    (if (i32.gt_u (local.get $hx) (i32.const 0x3fd62e42))
      (then
        ;; |x| > ½ln2
        (if (i32.lt_u (local.get $hx) (i32.const 0x3FF0A2B2))
          (then
            ;; and |x| < 1.5·ln2: k = ±1.
            (if (f64.eq (local.get $x) (f64.const 1)) (then (return (f64.const 2.718281828459045))))
            (local.set $hi
              (f64.sub (local.get $x)
                (select (f64.const -6.93147180369123816490e-01) (f64.const 6.93147180369123816490e-01)
                  (local.get $xsb))))
            (local.set $lo
              (select (f64.const -1.90821492927058770002e-10) (f64.const 1.90821492927058770002e-10)
                (local.get $xsb)))
            (local.set $k (i32.sub (i32.sub (i32.const 1) (local.get $xsb)) (local.get $xsb))))
          (else
            (local.set $k
              (i32.trunc_f64_s
                (f64.add (f64.mul (f64.const 1.44269504088896338700e+00) (local.get $x))
                  (select (f64.const -0.5) (f64.const 0.5) (local.get $xsb)))))
            (local.set $t (f64.convert_i32_s (local.get $k)))
            (local.set $hi
              (f64.sub (local.get $x) (f64.mul (local.get $t) (f64.const 6.93147180369123816490e-01))))
            (local.set $lo (f64.mul (local.get $t) (f64.const 1.90821492927058770002e-10)))))
        (local.set $x (f64.sub (local.get $hi) (local.get $lo))))
      (else
        ;; |x| < 2^-28: 1 + x.
        (if (i32.lt_u (local.get $hx) (i32.const 0x3e300000))
          (then (return (f64.add (f64.const 1) (local.get $x)))))))
    (local.set $t (f64.mul (local.get $x) (local.get $x)))
    (local.set $twopk
      (f64.reinterpret_i64
        (i64.shl
          (i64.extend_i32_u
            (i32.add (i32.const 0x3ff00000)
              (i32.shl (select (local.get $k) (i32.add (local.get $k) (i32.const 1000))
                (i32.ge_s (local.get $k) (i32.const -1021))) (i32.const 20))))
          (i64.const 32))))
    (local.set $c
      (f64.sub (local.get $x)
        (f64.mul (local.get $t)
          (f64.add (f64.const 1.66666666666666019037e-01)
            (f64.mul (local.get $t)
              (f64.add (f64.const -2.77777777770155933842e-03)
                (f64.mul (local.get $t)
                  (f64.add (f64.const 6.61375632143793436117e-05)
                    (f64.mul (local.get $t)
                      (f64.add (f64.const -1.65339022054652515390e-06)
                        (f64.mul (local.get $t) (f64.const 4.13813679705723846039e-08))))))))))))
    (if (i32.eqz (local.get $k))
      (then
        (return
          (f64.sub (f64.const 1)
            (f64.sub
              (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (local.get $c) (f64.const 2)))
              (local.get $x))))))
    (local.set $y
      (f64.sub (f64.const 1)
        (f64.sub
          (f64.sub (local.get $lo)
            (f64.div (f64.mul (local.get $x) (local.get $c)) (f64.sub (f64.const 2) (local.get $c))))
          (local.get $hi))))
    (if (i32.ge_s (local.get $k) (i32.const -1021))
      (then
        (if (i32.eq (local.get $k) (i32.const 1024))
          (then (return (f64.mul (f64.mul (local.get $y) (f64.const 2)) (f64.const 8.988465674311579539e307)))))
        (return (f64.mul (local.get $y) (local.get $twopk)))))
    (f64.mul (f64.mul (local.get $y) (local.get $twopk)) (f64.const 9.33263618503218878990e-302)))

  ;; fdlibm's log (e_log.c), as V8's Math.log: x = 2^k·(1 + f), √2/2 < 1 + f < √2, then
  ;; log(1 + f) = 2s + 2/3·s³ + … with s = f / (2 + f), by a polynomial in s².
  (func $log (export "log") (param $x f64) (result f64)
    (local $bits i64) (local $hx i32) (local $lx i32) (local $k i32) (local $i i32) (local $j i32)
    (local $f f64) (local $s f64) (local $z f64) (local $w f64) (local $r f64) (local $t1 f64) (local $t2 f64)
    (local $dk f64) (local $hfsq f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $x)))
    (local.set $hx (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32))))
    (local.set $lx (i32.wrap_i64 (local.get $bits)))
    (if (i32.lt_s (local.get $hx) (i32.const 0x00100000))
      (then
        ;; x < 2^-1022: ±0, negative, or subnormal (scaled up by 2^54).
        (if (i32.eqz (i32.or (i32.and (local.get $hx) (i32.const 0x7fffffff)) (local.get $lx)))
          (then (return (f64.const -inf))))
        (if (i32.lt_s (local.get $hx) (i32.const 0)) (then (return (f64.const nan))))
        (local.set $k (i32.const -54))
        (local.set $x (f64.mul (local.get $x) (f64.const 1.80143985094819840000e+16)))
        (local.set $bits (i64.reinterpret_f64 (local.get $x)))
        (local.set $hx (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32))))))
    (if (i32.ge_s (local.get $hx) (i32.const 0x7ff00000)) (then (return (f64.add (local.get $x) (local.get $x)))))
    (local.set $k (i32.add (local.get $k) (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023))))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    ;; Normalise x or x/2 (the high word replaced, the low kept).
    (local.set $x
      (f64.reinterpret_i64
        (i64.or
          (i64.shl
            (i64.extend_i32_u (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000))))
            (i64.const 32))
          (i64.and (local.get $bits) (i64.const 0xffffffff)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $f (f64.sub (local.get $x) (f64.const 1)))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then
        ;; -2^-20 ≤ f < 2^-20
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (return
              (f64.add (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
                (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))))
        (local.set $r
          (f64.mul (f64.mul (local.get $f) (local.get $f))
            (f64.sub (f64.const 0.5) (f64.mul (f64.const 0.33333333333333333) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $r)))))
        (return
          (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
            (f64.sub
              (f64.sub (local.get $r) (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
              (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $j (i32.sub (i32.const 0x6b851) (local.get $hx)))
    (local.set $t1
      (f64.mul (local.get $w)
        (f64.add (f64.const 3.999999999940941908e-01)
          (f64.mul (local.get $w)
            (f64.add (f64.const 2.222219843214978396e-01)
              (f64.mul (local.get $w) (f64.const 1.531383769920937332e-01)))))))
    (local.set $t2
      (f64.mul (local.get $z)
        (f64.add (f64.const 6.666666666666735130e-01)
          (f64.mul (local.get $w)
            (f64.add (f64.const 2.857142874366239149e-01)
              (f64.mul (local.get $w)
                (f64.add (f64.const 1.818357216161805012e-01)
                  (f64.mul (local.get $w) (f64.const 1.479819860511658591e-01)))))))))
    (local.set $i (i32.or (local.get $i) (local.get $j)))
    (local.set $r (f64.add (local.get $t2) (local.get $t1)))
    (if (i32.gt_s (local.get $i) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then
            (return
              (f64.sub (local.get $f)
                (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))))))))
        (return
          (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
            (f64.sub
              (f64.sub (local.get $hfsq)
                (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r)))
                  (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10))))
              (local.get $f))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))))))
    (f64.sub (f64.mul (local.get $dk) (f64.const 6.93147180369123816490e-01))
      (f64.sub
        (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))
          (f64.mul (local.get $dk) (f64.const 1.90821492927058770002e-10)))
        (local.get $f))))
)
