;; The linear solver's passes over dense rows, two doubles at a time (WebAssembly SIMD): dense-kernels.ts holds
;; this module compiled (`npm run build:wasm` writes it; a test checks that it is up to date). Every matrix is
;; row-major with a row of `s` doubles, `s` a multiple of 4, the padding zeros; all addresses are byte offsets
;; into the memory the caller gives it, 16-byte aligned.
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
        (br $rows)))))
