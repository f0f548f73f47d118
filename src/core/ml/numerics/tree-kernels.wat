;; The tree learner's two hot loops (src/core/ml/models/gbdt/grow.ts, whose JavaScript loops are the reference these
;; are tested against): histograms of gradient and hessian sums by bin, and the stable partition of a node's rows.
;; A histogram slot is the pair (Σ gradient, Σ hessian), 16 bytes, added to with one f64x2 instruction.
;; tree-kernels.bytes.ts holds this module compiled (`npm run build:wasm`; a test checks it is up to date). All
;; addresses are byte offsets into the memory the caller gives it; rows, slots and codes are indexes.
(module
  (import "env" "memory" (memory 1))
  ;; fdlibm's exp, from dense-kernels.wat's instance: Math.exp number for number (tested there).
  (import "math" "exp" (func $exp (param f64) (result f64)))

  ;; Binary log loss's derivatives at the raw scores z of n rows with labels y (0/1): p = 1 / (1 + e^−z),
  ;; grad = (p − y)·w, hess = max(p(1 − p), 1e−16)·w, where w is `positiveWeight` for a positive row and 1 otherwise
  ;; (objectives.ts's binaryLogistic, the reference).
  (func (export "logistic")
      (param $raw i32) (param $y i32) (param $grad i32) (param $hess i32) (param $n i32) (param $positiveWeight f64)
    (local $end i32) (local $p f64) (local $label f64) (local $w f64)
    (local.set $end (i32.add (local.get $raw) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $raw) (local.get $end)))
        (local.set $p
          (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (f64.neg (f64.load (local.get $raw)))))))
        (local.set $label (f64.load (local.get $y)))
        (local.set $w (select (local.get $positiveWeight) (f64.const 1) (f64.eq (local.get $label) (f64.const 1))))
        (f64.store (local.get $grad) (f64.mul (f64.sub (local.get $p) (local.get $label)) (local.get $w)))
        (f64.store (local.get $hess)
          (f64.mul
            (f64.max (f64.mul (local.get $p) (f64.sub (f64.const 1) (local.get $p))) (f64.const 1e-16))
            (local.get $w)))
        (local.set $raw (i32.add (local.get $raw) (i32.const 8)))
        (local.set $y (i32.add (local.get $y) (i32.const 8)))
        (local.set $grad (i32.add (local.get $grad) (i32.const 8)))
        (local.set $hess (i32.add (local.get $hess) (i32.const 8)))
        (br $rows))))

  ;; (grad[r], hess[r]) as one vector.
  (func $pair (param $grad i32) (param $hess i32) (param $r i32) (result v128)
    (f64x2.replace_lane 1
      (f64x2.splat (f64.load (i32.add (local.get $grad) (i32.shl (local.get $r) (i32.const 3)))))
      (f64.load (i32.add (local.get $hess) (i32.shl (local.get $r) (i32.const 3))))))

  ;; For each row r of order[start … end): every slot of its compressed row (rowSlots[rowStart[r] … rowStart[r+1]))
  ;; gets (grad[r], hess[r]).
  (func (export "rows")
      (param $hist i32) (param $order i32) (param $start i32) (param $end i32)
      (param $rowStart i32) (param $rowSlots i32) (param $grad i32) (param $hess i32)
    (local $k i32) (local $r i32) (local $gh v128) (local $e i32) (local $last i32) (local $at i32) (local $rs i32)
    (local.set $k (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2))))
    (local.set $end (i32.add (local.get $order) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $r (i32.load (local.get $k)))
        (local.set $gh (call $pair (local.get $grad) (local.get $hess) (local.get $r)))
        (local.set $rs (i32.add (local.get $rowStart) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $e (i32.add (local.get $rowSlots) (i32.shl (i32.load (local.get $rs)) (i32.const 2))))
        (local.set $last (i32.add (local.get $rowSlots) (i32.shl (i32.load offset=4 (local.get $rs)) (i32.const 2))))
        (block $rowDone
          (loop $slots
            (br_if $rowDone (i32.ge_u (local.get $e) (local.get $last)))
            (local.set $at (i32.add (local.get $hist) (i32.shl (i32.load (local.get $e)) (i32.const 4))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
            (local.set $e (i32.add (local.get $e) (i32.const 4)))
            (br $slots)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $rows))))

  ;; For each row r of order[start … end) and each of the `cols` columns j: slot offsets[j] + codes[r·cols + j].
  (func (export "dense")
      (param $hist i32) (param $order i32) (param $start i32) (param $end i32)
      (param $codes i32) (param $cols i32) (param $offsets i32) (param $grad i32) (param $hess i32)
    (local $k i32) (local $r i32) (local $gh v128) (local $c i32) (local $cend i32) (local $o i32) (local $at i32)
    (local.set $k (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2))))
    (local.set $end (i32.add (local.get $order) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $r (i32.load (local.get $k)))
        (local.set $gh (call $pair (local.get $grad) (local.get $hess) (local.get $r)))
        (local.set $c (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $cols))))
        (local.set $cend (i32.add (local.get $c) (local.get $cols)))
        (local.set $o (local.get $offsets))
        (block $rowDone
          (loop $columns
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $cend)))
            (local.set $at
              (i32.add (local.get $hist)
                (i32.shl (i32.add (i32.load (local.get $o)) (i32.load8_u (local.get $c))) (i32.const 4))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $gh)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $columns)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $rows))))

  ;; One column, all rows 0 … n: slot codes[r] of the column's histogram (`hist` is its first slot).
  (func (export "column")
      (param $hist i32) (param $codes i32) (param $n i32) (param $grad i32) (param $hess i32)
    (local $r i32) (local $at i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $at
          (i32.add (local.get $hist) (i32.shl (i32.load8_u (i32.add (local.get $codes) (local.get $r))) (i32.const 4))))
        (v128.store (local.get $at)
          (f64x2.add (v128.load (local.get $at)) (call $pair (local.get $grad) (local.get $hess) (local.get $r))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; One column, the `count` rows listed at `rows` (i32 indexes): slot codes[r] of the column's histogram.
  (func (export "listed")
      (param $hist i32) (param $codes i32) (param $rows i32) (param $count i32) (param $grad i32) (param $hess i32)
    (local $k i32) (local $end i32) (local $r i32) (local $at i32)
    (local.set $k (local.get $rows))
    (local.set $end (i32.add (local.get $rows) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $r (i32.load (local.get $k)))
        (local.set $at
          (i32.add (local.get $hist) (i32.shl (i32.load8_u (i32.add (local.get $codes) (local.get $r))) (i32.const 4))))
        (v128.store (local.get $at)
          (f64x2.add (v128.load (local.get $at)) (call $pair (local.get $grad) (local.get $hess) (local.get $r))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $each))))

  ;; a[i] −= b[i] over `bytes` (a multiple of 16): a parent's histogram becomes its larger child's.
  (func (export "subtract") (param $a i32) (param $b i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (local.get $bytes)))
    (block $done
      (loop $slots
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (v128.store (local.get $a) (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $slots))))

  ;; The rows order[start … end) split by sides[codes[row]] (1: left), stably: the left rows first, then the right
  ;; ones (through `scratch`). Every row is written to both sides and only its side's end advances: no branch on
  ;; the data. Returns the index where the right rows start.
  (func (export "partition")
      (param $order i32) (param $scratch i32) (param $start i32) (param $end i32) (param $codes i32) (param $sides i32)
      (result i32)
    (local $k i32) (local $kend i32) (local $l i32) (local $r i32) (local $row i32) (local $left i32)
    (local.set $k (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2))))
    (local.set $kend (i32.add (local.get $order) (i32.shl (local.get $end) (i32.const 2))))
    (local.set $l (local.get $k))
    (local.set $r (local.get $scratch))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $kend)))
        (local.set $row (i32.load (local.get $k)))
        (local.set $left (i32.load8_u (i32.add (local.get $sides) (i32.load8_u (i32.add (local.get $codes) (local.get $row))))))
        (i32.store (local.get $l) (local.get $row))
        (i32.store (local.get $r) (local.get $row))
        (local.set $l (i32.add (local.get $l) (i32.shl (local.get $left) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.shl (i32.sub (i32.const 1) (local.get $left)) (i32.const 2))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $rows)))
    (memory.copy (local.get $l) (local.get $scratch) (i32.sub (local.get $r) (local.get $scratch)))
    (i32.shr_u (i32.sub (local.get $l) (local.get $order)) (i32.const 2)))

  ;; Prediction: the raw scores of `rows` rows of `cols` doubles at `x` added into `out`, tree by tree, eight rows
  ;; walked in step (their chains of dependent loads overlap; eight measured 1.3× faster than four). A node is 16
  ;; bytes: its column (bit 31: a missing value goes right), its left child, its threshold; a leaf is column 0,
  ;; itself, +∞ (forest.ts's layout, whose JavaScript walk is the reference). Each step is left + (v > threshold,
  ;; or v missing and bit 31).
  (func $step (param $nodes i32) (param $n i32) (param $row i32) (result i32)
    (local $at i32) (local $word i32) (local $v f64)
    (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $word (i32.load (local.get $at)))
    (local.set $v
      (f64.load (i32.add (local.get $row) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
    (i32.add (i32.load offset=4 (local.get $at))
      (i32.or
        (f64.gt (local.get $v) (f64.load offset=8 (local.get $at)))
        (i32.and (f64.ne (local.get $v) (local.get $v)) (i32.shr_u (local.get $word) (i32.const 31))))))

  (func (export "predict")
      (param $nodes i32) (param $values i32) (param $roots i32) (param $depths i32) (param $trees i32)
      (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $t i32) (local $root i32) (local $steps i32) (local $i i32) (local $k i32) (local $rowBytes i32)
    (local $ra i32) (local $a i32) (local $rb i32) (local $b i32) (local $rc i32) (local $c i32) (local $rd i32) (local $d i32) (local $re i32) (local $e i32) (local $rf i32) (local $f i32) (local $rg i32) (local $g i32) (local $rh i32) (local $h i32) (local $o i32)
    (local $at i32) (local $word i32) (local $val f64)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 3)))
    (block $treesDone
      (loop $eachTree
        (br_if $treesDone (i32.ge_u (local.get $t) (local.get $trees)))
        (local.set $root (i32.load (i32.add (local.get $roots) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $steps (i32.load (i32.add (local.get $depths) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $i (i32.const 0))
        (block $groupsDone
          (loop $groups
            (br_if $groupsDone (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $rows)))
            (local.set $ra (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $rb (i32.add (local.get $ra) (local.get $rowBytes)))
            (local.set $rc (i32.add (local.get $rb) (local.get $rowBytes)))
            (local.set $rd (i32.add (local.get $rc) (local.get $rowBytes)))
            (local.set $re (i32.add (local.get $rd) (local.get $rowBytes)))
            (local.set $rf (i32.add (local.get $re) (local.get $rowBytes)))
            (local.set $rg (i32.add (local.get $rf) (local.get $rowBytes)))
            (local.set $rh (i32.add (local.get $rg) (local.get $rowBytes)))
            (local.set $a (local.get $root))
            (local.set $b (local.get $root))
            (local.set $c (local.get $root))
            (local.set $d (local.get $root))
            (local.set $e (local.get $root))
            (local.set $f (local.get $root))
            (local.set $g (local.get $root))
            (local.set $h (local.get $root))
            (local.set $k (local.get $steps))
            (block $walked
              (loop $walk
                (br_if $walked (i32.eqz (local.get $k)))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $a) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $ra) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $a
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $b) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rb) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $b
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $c) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rc) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $c
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $d) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rd) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $d
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $e) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $re) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $e
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $f) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rf) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $f
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $g) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rg) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $g
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $at (i32.add (local.get $nodes) (i32.shl (local.get $h) (i32.const 4))))
                (local.set $word (i32.load (local.get $at)))
                (local.set $val
                  (f64.load (i32.add (local.get $rh) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 3)))))
                (local.set $h
                  (i32.add (i32.load offset=4 (local.get $at))
                    (i32.or
                      (f64.gt (local.get $val) (f64.load offset=8 (local.get $at)))
                      (i32.and (f64.ne (local.get $val) (local.get $val)) (i32.shr_u (local.get $word) (i32.const 31))))))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $walk)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
            (f64.store offset=0 (local.get $o)
              (f64.add (f64.load offset=0 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $a) (i32.const 3))))))
            (f64.store offset=8 (local.get $o)
              (f64.add (f64.load offset=8 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $b) (i32.const 3))))))
            (f64.store offset=16 (local.get $o)
              (f64.add (f64.load offset=16 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $c) (i32.const 3))))))
            (f64.store offset=24 (local.get $o)
              (f64.add (f64.load offset=24 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $d) (i32.const 3))))))
            (f64.store offset=32 (local.get $o)
              (f64.add (f64.load offset=32 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))))
            (f64.store offset=40 (local.get $o)
              (f64.add (f64.load offset=40 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $f) (i32.const 3))))))
            (f64.store offset=48 (local.get $o)
              (f64.add (f64.load offset=48 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $g) (i32.const 3))))))
            (f64.store offset=56 (local.get $o)
              (f64.add (f64.load offset=56 (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $h) (i32.const 3))))))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $groups)))
        ;; The last rows, one at a time.
        (block $restDone
          (loop $rest
            (br_if $restDone (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $ra (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $a (local.get $root))
            (local.set $k (local.get $steps))
            (block $walked1
              (loop $walk1
                (br_if $walked1 (i32.eqz (local.get $k)))
                (local.set $a (call $step (local.get $nodes) (local.get $a) (local.get $ra)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $walk1)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
            (f64.store (local.get $o)
              (f64.add (f64.load (local.get $o)) (f64.load (i32.add (local.get $values) (i32.shl (local.get $a) (i32.const 3))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rest)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $eachTree))))
)
