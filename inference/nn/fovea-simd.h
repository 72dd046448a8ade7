/* fovea-simd.h: building the vectorised row loops for the CPU's widest
 * registers, on x86-64 only.
 *
 * FOVEA_HAVE_X86_SIMD is defined by the build (inference/meson.build)
 * when the host is x86-64, the only place Fovea uses x86 intrinsics or
 * target attributes. There a function marked FOVEA_VECTOR_CLONES is
 * compiled for AVX-512, AVX2 and the baseline, and target_clones picks
 * one at load time; elsewhere it is compiled once, for the baseline, and
 * the same loops (omp simd hints, -fopenmp-simd) vectorise for whatever
 * the compiler targets. */
#pragma once

#ifdef FOVEA_HAVE_X86_SIMD
#define FOVEA_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define FOVEA_VECTOR_CLONES
#endif
