/* test-safetensors.c: the safetensors reader and writer, and the F16/BF16
 * conversions.
 *
 * Conversions are checked exhaustively against formulas written with
 * ldexp() and nearbyint() in double precision, which share no code with
 * the bit manipulation under test. The reader is checked against a file
 * written by tests/scripts/make-safetensors-corpus.py (numpy's own
 * float16 conversion gives the expected values) and against a table of
 * malformed headers, each with the error code and the tensor name it must
 * report. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-safetensors.h"
#include "fovea-test-common.h"

static guint32
float_bits (float f)
{
  guint32 u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static float
bits_float (guint32 u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

/* Value of a binary16 / bfloat16 pattern from its fields. */
static double
reference_decode (guint16 bits, int mantissa_bits, int bias)
{
  int exp_max = (1 << (15 - mantissa_bits)) - 1;
  int e = (bits >> mantissa_bits) & exp_max;
  int m = bits & ((1 << mantissa_bits) - 1);
  double sign = (bits & 0x8000) ? -1.0 : 1.0;
  if (e == exp_max)
    return m != 0 ? NAN : sign * INFINITY;
  if (e == 0)
    return sign * ldexp (m, 1 - bias - mantissa_bits);
  return sign * ldexp ((1 << mantissa_bits) + m, e - bias - mantissa_bits);
}

/* x rounded to a format with the given mantissa bits, minimum normal
 * exponent and overflow threshold, ties to even (nearbyint in the default
 * rounding mode). */
static double
reference_round (float x, int mantissa_bits, int min_exp, double overflow)
{
  double a = fabs ((double) x);
  if (a == 0 || isinf (a))
    return x;
  int e;
  frexp (a, &e);
  int unit_exp = MAX (e - 1, min_exp) - mantissa_bits;
  double r = nearbyint (ldexp (a, -unit_exp)) * ldexp (1, unit_exp);
  if (r >= overflow)
    r = INFINITY;
  return copysign (r, x);
}

static void
assert_same_float (float got, double want, guint32 input)
{
  if (isnan (want))
    {
      if (!isnan (got))
        g_error ("input %08x: got %g, want NaN", input, got);
      return;
    }
  if (float_bits (got) != float_bits ((float) want))
    g_error ("input %08x: got %a, want %a", input, got, want);
}

static void
test_f16_to_f32_exhaustive (void)
{
  for (guint32 h = 0; h < 65536; h++)
    {
      float f = fovea_f16_to_f32 ((guint16) h);
      assert_same_float (f, reference_decode ((guint16) h, 10, 15), h);
      /* NaNs keep their sign, so -NaN weights stay recognisable. */
      g_assert_true (!isnan (f) || (signbit (f) != 0) == ((h & 0x8000) != 0));
    }
}

static void
test_bf16_to_f32_exhaustive (void)
{
  for (guint32 b = 0; b < 65536; b++)
    assert_same_float (fovea_bf16_to_f32 ((guint16) b), reference_decode ((guint16) b, 7, 127), b);
}

/* Narrowing: every representable value comes back unchanged, every tie
 * between neighbours goes to the even one, and a hair either side of a
 * tie goes to the nearer one. */
typedef struct
{
  float   (*widen) (guint16);
  guint16 (*narrow) (float);
  guint16   max_finite;
  guint16   infinity;
} HalfFormat;

static void
check_narrowing_grid (const HalfFormat *format)
{
  for (guint32 sign = 0; sign <= 0x8000; sign += 0x8000)
    {
      for (guint32 h = 0; h <= format->max_finite; h++)
        {
          guint16 lo = (guint16) (sign | h);
          float a = format->widen (lo);
          g_assert_cmphex (format->narrow (a), ==, lo);

          /* The next value up: the largest finite's neighbour is where
           * infinity would sit if the exponent went on. */
          double b = h < format->max_finite
                     ? format->widen ((guint16) (lo + 1))
                     : 2.0 * a - format->widen ((guint16) (lo - 1));
          guint16 hi = h < format->max_finite ? (guint16) (lo + 1) : (guint16) (sign | format->infinity);
          float mid = (float) ((a + b) / 2);
          g_assert_cmpfloat ((double) mid, ==, (a + b) / 2);  /* exact in float */
          g_assert_cmphex (format->narrow (mid), ==, (h & 1) ? hi : lo);
          g_assert_cmphex (format->narrow (nextafterf (mid, (float) b)), ==, hi);
          if (h > 0)
            g_assert_cmphex (format->narrow (nextafterf (mid, a)), ==, lo);
        }
      g_assert_cmphex (format->narrow (sign ? -INFINITY : INFINITY), ==, sign | format->infinity);
      guint16 nan = format->narrow (sign ? -NAN : NAN);
      g_assert_true (isnan (format->widen (nan)));
      g_assert_cmphex (nan & 0x8000, ==, sign);
    }
}

static void
test_f32_to_f16_grid (void)
{
  HalfFormat f16 = { fovea_f16_to_f32, fovea_f32_to_f16, 0x7bff, 0x7c00 };
  check_narrowing_grid (&f16);
}

static void
test_f32_to_bf16_grid (void)
{
  HalfFormat bf16 = { fovea_bf16_to_f32, fovea_f32_to_bf16, 0x7f7f, 0x7f80 };
  check_narrowing_grid (&bf16);
}

/* Random float bit patterns, every exponent, against reference_round. */
static void
test_narrowing_random (void)
{
  GRand *rand = g_rand_new_with_seed (1234);
  for (int i = 0; i < 2000000; i++)
    {
      guint32 u = g_rand_int (rand);
      float x = bits_float (u);
      double want16 = isnan (x) ? NAN : reference_round (x, 10, -14, 65520.0);
      double want_bf = isnan (x) ? NAN : reference_round (x, 7, -126, ldexp (1, 128) - ldexp (1, 119));
      assert_same_float (fovea_f16_to_f32 (fovea_f32_to_f16 (x)), want16, u);
      assert_same_float (fovea_bf16_to_f32 (fovea_f32_to_bf16 (x)), want_bf, u);
    }
  g_rand_free (rand);
}

/* ------------------------------------------------------------- reading */

static FoveaSafetensors *
open_mixed (void)
{
  char *path = fovea_test_fixture_path ("safetensors/mixed.safetensors");
  GError *error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fovea_safetensors_get_path (st), ==, path);
  g_free (path);
  return st;
}

static void
assert_floats_equal (const float *got, const float *want, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_assert_cmphex (float_bits (got[i]), ==, float_bits (want[i]));
}

static void
test_read_mixed (void)
{
  FoveaSafetensors *st = open_mixed ();
  GError *error = NULL;

  /* Listed by name in the header; handed out by offset. */
  static const char *const order[] = {
    "half.f16", "misaligned.f32", "brain.bf16", "empty", "aligned.f32", "scalar",
    "half.expected", "brain.expected",
  };
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      g_assert_cmpstr (view->name, ==, order[i]);
      g_assert_true (fovea_safetensors_lookup (st, order[i]) == view);
    }
  g_assert_null (fovea_safetensors_get_nth (st, G_N_ELEMENTS (order)));
  g_assert_null (fovea_safetensors_lookup (st, "absent"));
  g_assert_cmpstr (fovea_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (fovea_safetensors_get_metadata (st, "note"), ==, "Fovea ✓ test");
  g_assert_null (fovea_safetensors_get_metadata (st, "absent"));

  const FoveaTensorView *half = fovea_safetensors_lookup (st, "half.f16");
  g_assert_cmpint (half->dtype, ==, FOVEA_DTYPE_F16);
  g_assert_cmpint (half->n_dims, ==, 1);
  g_assert_cmpint (half->shape[0], ==, 7);
  g_assert_cmpuint (half->n_bytes, ==, 14);

  /* F16 and BF16 against numpy's conversion, converted once. */
  gint64 any = -1;
  const float *half_f32 = fovea_safetensors_get_f32 (st, "half.f16", 1, &any, &error);
  g_assert_no_error (error);
  const float *half_want = fovea_safetensors_get_f32 (st, "half.expected", 1, &any, &error);
  assert_floats_equal (half_f32, half_want, 7);
  g_assert_true (fovea_safetensors_get_f32 (st, "half.f16", 1, &any, NULL) == half_f32);
  const float *brain = fovea_safetensors_get_f32 (st, "brain.bf16", 1, &any, &error);
  g_assert_no_error (error);
  assert_floats_equal (brain, fovea_safetensors_get_f32 (st, "brain.expected", 1, &any, NULL), 5);

  /* Aligned F32 is the mapping itself; misaligned F32 is a copy. */
  const FoveaTensorView *aligned = fovea_safetensors_lookup (st, "aligned.f32");
  g_assert_cmpuint ((guintptr) aligned->data % 4, ==, 0);
  gint64 shape4[] = { 4 };
  g_assert_true (fovea_safetensors_get_f32 (st, "aligned.f32", 1, shape4, &error) == aligned->data);
  const FoveaTensorView *misaligned = fovea_safetensors_lookup (st, "misaligned.f32");
  g_assert_cmpuint ((guintptr) misaligned->data % 4, !=, 0);
  gint64 shape23[] = { 2, 3 };
  const float *realigned = fovea_safetensors_get_f32 (st, "misaligned.f32", 2, shape23, &error);
  g_assert_no_error (error);
  g_assert_true ((gconstpointer) realigned != misaligned->data);
  g_assert_cmpuint ((guintptr) realigned % 4, ==, 0);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (realigned[i], ==, i * 0.25f - 0.5f);

  /* A 0-d scalar and an empty tensor. */
  const float *scalar = fovea_safetensors_get_f32 (st, "scalar", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (*scalar, ==, 42.5f);
  g_assert_cmpuint (fovea_safetensors_lookup (st, "scalar")->n_elements, ==, 1);
  gint64 shape03[] = { 0, 3 };
  g_assert_nonnull (fovea_safetensors_get_f32 (st, "empty", 2, shape03, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fovea_safetensors_lookup (st, "empty")->n_elements, ==, 0);

  /* The object outlives its last reference but one. */
  FoveaSafetensors *other = fovea_safetensors_ref (st);
  fovea_safetensors_unref (st);
  g_assert_cmpfloat (*fovea_safetensors_get_f32 (other, "scalar", 0, NULL, NULL), ==, 42.5f);
  fovea_safetensors_unref (other);
}

static void
test_get_f32_errors (void)
{
  FoveaSafetensors *st = open_mixed ();
  GError *error = NULL;
  gint64 shape[] = { 3, 2 };
  g_assert_null (fovea_safetensors_get_f32 (st, "blocks.0.attn.qkv.weight", 2, shape, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "“blocks.0.attn.qkv.weight”"));
  g_clear_error (&error);

  g_assert_null (fovea_safetensors_get_f32 (st, "misaligned.f32", 2, shape, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "“misaligned.f32”"));
  g_assert_nonnull (strstr (error->message, "[2, 3]"));
  g_assert_nonnull (strstr (error->message, "[3, 2]"));
  g_clear_error (&error);

  g_assert_null (fovea_safetensors_get_f32 (st, "misaligned.f32", 1, shape, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_MISMATCH);
  g_clear_error (&error);

  gint64 wildcard[] = { -1, 3 };
  g_assert_nonnull (fovea_safetensors_get_f32 (st, "misaligned.f32", 2, wildcard, &error));
  g_assert_no_error (error);

  /* As weights, a tensor holding −∞ (element 5 of half.f16) is refused by
   * name, also when asked again (the scan's verdict is kept); finite ones
   * come back as get_f32 gives them. */
  gint64 any = -1;
  for (int pass = 0; pass < 2; pass++)
    {
      g_assert_null (fovea_safetensors_get_weights (st, "half.f16", 1, &any, &error));
      g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_NOT_FINITE);
      g_assert_nonnull (strstr (error->message, "“half.f16”"));
      g_assert_nonnull (strstr (error->message, "element 5 is -inf"));
      g_clear_error (&error);
    }
  g_assert_true (fovea_safetensors_get_weights (st, "misaligned.f32", 2, wildcard, &error) ==
                 fovea_safetensors_get_f32 (st, "misaligned.f32", 2, wildcard, NULL));
  g_assert_no_error (error);
  fovea_safetensors_unref (st);
}

/* A file of an 8-byte length, the header text and n_data bytes (i % 251);
 * length_field overrides the length when non-zero. */
static GBytes *
make_file (const char *header, gsize n_data, guint64 length_field)
{
  gsize n_header = strlen (header);
  guint64 length = length_field != 0 ? length_field : n_header;
  guint8 *data = g_malloc (8 + n_header + n_data);
  for (int i = 0; i < 8; i++)
    data[i] = (guint8) (length >> (8 * i));
  memcpy (data + 8, header, n_header);
  for (gsize i = 0; i < n_data; i++)
    data[8 + n_header + i] = (guint8) (i % 251);
  return g_bytes_new_take (data, 8 + n_header + n_data);
}

typedef struct
{
  const char *name;
  const char *header;
  gsize       n_data;
  guint64     length_field;
  int         code;
  const char *in_message;  /* usually the tensor's name */
} BadCase;

#define T(name) "\"" name "\""
#define F32_4(begin, end) "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" #begin "," #end "]}"

static const BadCase bad_cases[] = {
  { "length-only-7-bytes", NULL, 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "too short" },
  { "length-past-file", "{}", 0, 3, FOVEA_SAFETENSORS_ERROR_HEADER, "runs past the end" },
  { "length-over-cap", "{}", 0, 100000001, FOVEA_SAFETENSORS_ERROR_HEADER, "exceeds the limit" },
  { "length-huge", "{}", 0, G_MAXUINT64, FOVEA_SAFETENSORS_ERROR_HEADER, "exceeds the limit" },
  { "empty-header", "", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "not a JSON object" },
  { "invalid-json", "{\"a\":", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "not valid JSON" },
  { "invalid-utf8", "{\"\xff\":1}", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "UTF-8" },
  { "trailing-text", "{} {}", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "after the end" },
  { "comment", "/**/{}", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "not JSON" },
  { "array-root", "[]", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "not a JSON object" },
  { "entry-not-object", "{" T ("w") ":[1]}", 0, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "“w”" },
  { "no-dtype", "{" T ("w") ":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_HEADER, "“w”: no “dtype”" },
  { "no-shape", "{" T ("w") ":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_HEADER, "“w”: no “shape”" },
  { "no-offsets", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_HEADER, "“w”: no “data_offsets”" },
  { "unknown-key", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
    4, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "“w”: unknown key “x”" },
  { "dtype-i64", "{" T ("w.i64") ":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, 0,
    FOVEA_SAFETENSORS_ERROR_DTYPE, "“w.i64”: dtype I64 is not supported" },
  { "dtype-bool", "{" T ("mask") ":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, 0,
    FOVEA_SAFETENSORS_ERROR_DTYPE, "“mask”" },
  { "dtype-unknown", "{" T ("w") ":{\"dtype\":\"float32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_DTYPE, "“w”: “float32” is not a safetensors dtype" },
  { "dtype-number", "{" T ("w") ":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_DTYPE, "“w”" },
  { "size-mismatch",
    "{" T ("blocks.0.attn.qkv.weight") ":{\"dtype\":\"F32\",\"shape\":[144,48],\"data_offsets\":[0,27640]}}",
    27640, 0, FOVEA_SAFETENSORS_ERROR_SHAPE,
    "tensor “blocks.0.attn.qkv.weight”: shape [144, 48] is 27648 bytes as F32 but data_offsets span 27640" },
  { "size-mismatch-f16", "{" T ("h") ":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,12]}}", 12, 0,
    FOVEA_SAFETENSORS_ERROR_SHAPE, "“h”: shape [3] is 6 bytes as F16" },
  { "shape-negative", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”: shape element 0" },
  { "shape-fraction", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”" },
  { "shape-bool", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”" },
  { "shape-not-array", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", 16, 0,
    FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”" },
  { "shape-9-dims", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}",
    4, 0, FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”: shape has 9 dimensions" },
  { "shape-overflow",
    "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776,0],\"data_offsets\":[0,0]}}",
    0, 0, FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”: shape [1099511627776, 1099511627776, 0] has too many" },
  { "bytes-overflow",
    "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[4294967296,1073741824],\"data_offsets\":[0,0]}}",
    0, 0, FOVEA_SAFETENSORS_ERROR_SHAPE, "“w”" },
  { "integer-too-long",
    "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[18446744073709551617],\"data_offsets\":[0,4]}}",
    4, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "too large" },
  { "offsets-reversed", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "“w”: data_offsets [4, 0] are reversed" },
  { "offsets-past-file", "{" T ("w") ":" F32_4 (0, 16) "}", 12, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "“w”: data_offsets [0, 16] run past" },
  { "offsets-negative", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "“w”" },
  { "offsets-three", "{" T ("w") ":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "“w”" },
  { "overlap", "{" T ("a") ":" F32_4 (0, 16) "," T ("b") ":" F32_4 (8, 24) "}", 24, 0,
    FOVEA_SAFETENSORS_ERROR_OVERLAP, "“b”: data_offsets [8, 24] overlap those of tensor “a”" },
  { "same-range", "{" T ("b") ":" F32_4 (0, 16) "," T ("a") ":" F32_4 (0, 16) "}", 16, 0,
    FOVEA_SAFETENSORS_ERROR_OVERLAP, "overlap" },
  { "gap", "{" T ("a") ":" F32_4 (0, 16) "," T ("b") ":" F32_4 (20, 36) "}", 36, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "“b”: data_offsets start at 20, leaving bytes 16–20 unused" },
  { "trailing-bytes", "{" T ("a") ":" F32_4 (0, 16) "}", 20, 0,
    FOVEA_SAFETENSORS_ERROR_RANGE, "4 bytes follow the last tensor" },
  { "duplicate-tensor", "{" T ("a") ":" F32_4 (0, 16) "," T ("a") ":" F32_4 (16, 32) "}", 32, 0,
    FOVEA_SAFETENSORS_ERROR_HEADER, "“a”: listed twice" },
  { "duplicate-key", "{" T ("a") ":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
    4, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "“a”: key “dtype” appears twice" },
  { "duplicate-key-replaced-entry",
    "{" T ("a") ":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]},"
    T ("a") ":" F32_4 (0, 16) "}", 16, 0, FOVEA_SAFETENSORS_ERROR_HEADER, "“a”: key “shape” appears twice" },
  { "duplicate-metadata", "{\"__metadata__\":{},\"__metadata__\":{}}", 0, 0,
    FOVEA_SAFETENSORS_ERROR_METADATA, "__metadata__ appears twice" },
  { "metadata-not-string", "{\"__metadata__\":{\"format\":\"pt\",\"epoch\":3}}", 0, 0,
    FOVEA_SAFETENSORS_ERROR_METADATA, "“epoch” is not a string" },
  { "metadata-not-object", "{\"__metadata__\":[\"pt\"]}", 0, 0,
    FOVEA_SAFETENSORS_ERROR_METADATA, "__metadata__" },
  { "metadata-duplicate-key", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, 0,
    FOVEA_SAFETENSORS_ERROR_METADATA, "“k” appears twice" },
};

static void
test_malformed (gconstpointer data)
{
  const BadCase *c = data;
  GBytes *bytes = c->header != NULL ? make_file (c->header, c->n_data, c->length_field)
                                    : g_bytes_new ("\x02\0\0\0\0\0\0", 7);
  GError *error = NULL;
  FoveaSafetensors *st = fovea_safetensors_new_from_bytes (bytes, "bad.safetensors", &error);
  g_assert_null (st);
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, c->code);
  if (!g_str_has_prefix (error->message, "bad.safetensors: ") ||
      strstr (error->message, c->in_message) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, c->in_message);
  g_error_free (error);
  g_bytes_unref (bytes);
}

/* json-glib recurses on nesting; a deep header must fail, not crash. */
static void
test_deep_nesting (void)
{
  gsize depth = 1000000;
  char *header = g_malloc (2 * depth + 1);
  memset (header, '[', depth);
  memset (header + depth, ']', depth);
  header[2 * depth] = '\0';
  GBytes *bytes = make_file (header, 0, 0);
  GError *error = NULL;
  g_assert_null (fovea_safetensors_new_from_bytes (bytes, "deep", &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER);
  g_assert_nonnull (strstr (error->message, "nested deeper"));
  g_error_free (error);
  g_bytes_unref (bytes);
  g_free (header);
}

/* Valid files the table's neighbours might be mistaken for. */
static void
test_valid_edge_cases (void)
{
  static const struct { const char *header; gsize n_data; guint n_tensors; } cases[] = {
    { "{}", 0, 0 },
    { "{}      ", 0, 0 },
    { "{\"__metadata__\":{}}", 0, 0 },
    { "{" T ("s") ":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]}}", 2, 1 },
    { "{" T ("e") ":{\"dtype\":\"F16\",\"shape\":[2,0],\"data_offsets\":[0,0]}}", 0, 1 },
    { "{" T ("b") ":" F32_4 (16, 32) "," T ("a") ":" F32_4 (0, 16) ","
      T ("e") ":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]}}", 32, 3 },
    { "{" T ("") ":{\"shape\":[1],\"data_offsets\":[0,4],\"dtype\":\"F32\"}}", 4, 1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GBytes *bytes = make_file (cases[i].header, cases[i].n_data, 0);
      GError *error = NULL;
      FoveaSafetensors *st = fovea_safetensors_new_from_bytes (bytes, "ok", &error);
      g_assert_no_error (error);
      g_assert_cmpuint (fovea_safetensors_get_n_tensors (st), ==, cases[i].n_tensors);
      /* Every tensor converts, to a non-NULL pointer even when empty. */
      for (guint t = 0; t < cases[i].n_tensors; t++)
        {
          const FoveaTensorView *view = fovea_safetensors_get_nth (st, t);
          g_assert_nonnull (fovea_safetensors_get_f32 (st, view->name, view->n_dims,
                                                       view->shape, &error));
          g_assert_no_error (error);
        }
      fovea_safetensors_unref (st);
      g_bytes_unref (bytes);
    }
}

static void
test_open_errors (void)
{
  char *dir = fovea_test_mkdtemp ();
  char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  GError *error = NULL;
  g_assert_null (fovea_safetensors_open (missing, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.safetensors"));
  g_clear_error (&error);

  char *empty = g_build_filename (dir, "empty.safetensors", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_null (fovea_safetensors_open (empty, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER);
  g_assert_nonnull (strstr (error->message, "empty.safetensors"));
  g_clear_error (&error);

  fovea_test_rmdir (dir);
  g_free (empty);
  g_free (missing);
  g_free (dir);
}

/* Every file the PyTorch fixture script wrote (by hand, like the
 * reference writer) reads, with every tensor convertible. */
static guint
read_every_file (const char *dir)
{
  GDir *listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  guint n_files = 0;
  const char *name;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n_files += read_every_file (path);
      else if (g_str_has_suffix (name, ".safetensors"))
        {
          GError *error = NULL;
          FoveaSafetensors *st = fovea_safetensors_open (path, &error);
          g_assert_no_error (error);
          for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
            {
              const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
              g_assert_nonnull (fovea_safetensors_get_f32 (st, view->name, view->n_dims,
                                                           view->shape, &error));
              g_assert_no_error (error);
            }
          fovea_safetensors_unref (st);
          n_files++;
        }
      g_free (path);
    }
  g_dir_close (listing);
  return n_files;
}

static void
test_read_vit_fixtures (void)
{
  char *dir = fovea_test_fixture_path ("vit");
  g_assert_cmpuint (read_every_file (dir), >, 0);
  g_free (dir);
}

/* ------------------------------------------------------------- writing */

static void
test_write_round_trip (void)
{
  float weights[6] = { 1.0f, -2.0f, 0.5f, 1e-8f, 3.25f, -0.0f };
  guint16 halves[3] = { fovea_f32_to_f16 (1.5f), fovea_f32_to_f16 (-65504.0f), 0x0001 };
  guint16 brains[2] = { fovea_f32_to_bf16 (3.0f), fovea_f32_to_bf16 (-1e-20f) };
  float scalar = 7.0f;
  /* Deliberately not in name order, with an odd-sized F16 tensor first. */
  FoveaTensorView views[] = {
    { "z.half", FOVEA_DTYPE_F16, 1, { 3 }, 3, halves, sizeof halves },
    { "m.weight", FOVEA_DTYPE_F32, 2, { 2, 3 }, 6, weights, sizeof weights },
    { "a.empty", FOVEA_DTYPE_F32, 2, { 0, 5 }, 0, NULL, 0 },
    { "b.brain", FOVEA_DTYPE_BF16, 1, { 2 }, 2, brains, sizeof brains },
    { "scalar \"quoted\"", FOVEA_DTYPE_F32, 0, { 0 }, 1, &scalar, sizeof scalar },
  };
  GHashTable *metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, "format", "pt");
  g_hash_table_insert (metadata, "note", "ünï \"code\"\n");

  char *dir = fovea_test_mkdtemp ();
  char *path = g_build_filename (dir, "out.safetensors", NULL);
  GError *error = NULL;
  g_assert_true (fovea_safetensors_write (path, views, G_N_ELEMENTS (views), metadata, &error));
  g_assert_no_error (error);

  /* The header is padded to 8 bytes with spaces. */
  char *contents;
  gsize length;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  guint64 header_length = 0;
  for (int i = 7; i >= 0; i--)
    header_length = (header_length << 8) | (guint8) contents[i];
  g_assert_cmpuint (header_length % 8, ==, 0);
  g_assert_cmpint (contents[8], ==, '{');
  gsize data_bytes = sizeof halves + sizeof weights + sizeof brains + sizeof scalar;
  g_assert_cmpuint (length, ==, 8 + header_length + data_bytes);
  g_free (contents);

  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fovea_safetensors_get_metadata (st, "format"), ==, "pt");
  g_assert_cmpstr (fovea_safetensors_get_metadata (st, "note"), ==, "ünï \"code\"\n");
  /* Contiguous, in the order given. */
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (st), ==, G_N_ELEMENTS (views));
  const guint8 *expected_data = fovea_safetensors_get_nth (st, 0)->data;
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      g_assert_cmpstr (view->name, ==, views[i].name);
      g_assert_cmpint (view->dtype, ==, views[i].dtype);
      g_assert_cmpint (view->n_dims, ==, views[i].n_dims);
      for (int d = 0; d < view->n_dims; d++)
        g_assert_cmpint (view->shape[d], ==, views[i].shape[d]);
      g_assert_true (view->data == (gconstpointer) expected_data);
      g_assert_cmpmem (view->data, view->n_bytes, views[i].data, views[i].n_bytes);
      expected_data += view->n_bytes;
    }
  fovea_safetensors_unref (st);

  /* Overwriting replaces the file and leaves only it in the folder. */
  g_assert_true (fovea_safetensors_write (path, views + 1, 1, NULL, &error));
  g_assert_no_error (error);
  st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (st), ==, 1);
  g_assert_null (fovea_safetensors_get_metadata (st, "format"));
  fovea_safetensors_unref (st);
  GDir *listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "out.safetensors");
  g_assert_null (g_dir_read_name (listing));
  g_dir_close (listing);

  fovea_test_rmdir (dir);
  g_hash_table_unref (metadata);
  g_free (path);
  g_free (dir);
}

static guint
count_entries (const char *dir)
{
  GDir *listing = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (listing) != NULL)
    n++;
  g_dir_close (listing);
  return n;
}

static void
test_write_errors (void)
{
  float value = 1.0f;
  FoveaTensorView view = { "w", FOVEA_DTYPE_F32, 1, { 1 }, 1, &value, sizeof value };
  char *dir = fovea_test_mkdtemp ();
  GError *error = NULL;

  /* A folder that does not exist. */
  char *nowhere = g_build_filename (dir, "no", "such", "x.safetensors", NULL);
  g_assert_false (fovea_safetensors_write (nowhere, &view, 1, NULL, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "x.safetensors"));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (dir), ==, 0);

  /* A destination that is a folder: the temporary file is written, the
   * rename fails, and the temporary file must go. */
  char *folder = g_build_filename (dir, "taken", NULL);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  char *inside = g_build_filename (folder, "keep", NULL);
  g_assert_true (g_file_set_contents (inside, "x", 1, NULL));
  g_assert_false (fovea_safetensors_write (folder, &view, 1, NULL, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* Views that do not describe their data, or clash. */
  char *path = g_build_filename (dir, "bad.safetensors", NULL);
  FoveaTensorView bad[2] = { view, view };
  bad[0].n_bytes = 8;
  g_assert_false (fovea_safetensors_write (path, bad, 1, NULL, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "“w”"));
  g_clear_error (&error);
  bad[0] = view;
  g_assert_false (fovea_safetensors_write (path, bad, 2, NULL, &error));
  g_assert_nonnull (strstr (error->message, "twice"));
  g_clear_error (&error);
  bad[0].name = "__metadata__";
  g_assert_false (fovea_safetensors_write (path, bad, 1, NULL, &error));
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  fovea_test_rmdir (dir);
  g_free (path);
  g_free (inside);
  g_free (folder);
  g_free (nowhere);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/half/f16-to-f32-exhaustive", test_f16_to_f32_exhaustive);
  g_test_add_func ("/safetensors/half/bf16-to-f32-exhaustive", test_bf16_to_f32_exhaustive);
  g_test_add_func ("/safetensors/half/f32-to-f16-grid", test_f32_to_f16_grid);
  g_test_add_func ("/safetensors/half/f32-to-bf16-grid", test_f32_to_bf16_grid);
  g_test_add_func ("/safetensors/half/narrowing-random", test_narrowing_random);
  g_test_add_func ("/safetensors/read/mixed", test_read_mixed);
  g_test_add_func ("/safetensors/read/get-f32-errors", test_get_f32_errors);
  g_test_add_func ("/safetensors/read/valid-edge-cases", test_valid_edge_cases);
  g_test_add_func ("/safetensors/read/deep-nesting", test_deep_nesting);
  g_test_add_func ("/safetensors/read/open-errors", test_open_errors);
  g_test_add_func ("/safetensors/read/vit-fixtures", test_read_vit_fixtures);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      char *name = g_strdup_printf ("/safetensors/malformed/%s", bad_cases[i].name);
      g_test_add_data_func (name, &bad_cases[i], test_malformed);
      g_free (name);
    }
  g_test_add_func ("/safetensors/write/round-trip", test_write_round_trip);
  g_test_add_func ("/safetensors/write/errors", test_write_errors);
  return g_test_run ();
}
