/* fovea-lab.c: CIE L*a*b* lightness with OpenCV's 8-bit conventions.
 *
 * The forward conversion is OpenCV's fixed-point RGB2Lab_b: sRGB bytes go
 * through a linear-light table scaled by 2040, an integer XYZ matrix
 * scaled by 4096, and a table of the Lab f() scaled by 32768. Its 8-bit L
 * is therefore exactly OpenCV's, which matters because CLAHE amplifies
 * any one-level difference in L. a* and b* are not rounded to bytes as
 * OpenCV does: they stay as the f() differences, and the way back to
 * sRGB is in floating point with OpenCV's matrix and thresholds. */
#define G_LOG_DOMAIN "fovea-lab"

#include "fovea-lab.h"

#include <math.h>

#define LINEAR_SCALE   2040      /* 255 · 2^3 */
#define MATRIX_SHIFT   12
#define F_SHIFT        15
#define F_TABLE_SIZE   (LINEAR_SCALE * 3 / 2)

#define XN 0.950456
#define ZN 1.088754
static const double RGB_TO_XYZ[3][3] = {
  { 0.412453, 0.357580, 0.180423 },
  { 0.212671, 0.715160, 0.072169 },
  { 0.019334, 0.119193, 0.950227 },
};
/* XYZ → linear sRGB, the X and Z columns multiplied by the white point
 * so that they apply to X/Xn and Z/Zn directly. */
static const float XYZ_TO_RGB[3][3] = {
  {  3.240479f * (float) XN, -1.537150f,  -0.498535f * (float) ZN },
  { -0.969256f * (float) XN,  1.875991f,   0.041556f * (float) ZN },
  {  0.055648f * (float) XN, -0.204043f,   1.057311f * (float) ZN },
};

/* Linear light is looked up directly at this step: near black, where
 * sRGB is steepest (12.92·255 levels per unit), that is 0.025 level. */
#define SRGB_STEPS 65536

typedef struct {
  int     matrix[3][3];                /* RGB_TO_XYZ / white · 4096 */
  guint16 to_linear[256];              /* sRGB byte → linear light · 2040 */
  guint16 f[F_TABLE_SIZE];             /* linear · 2040 → f() · 32768 */
  float   f_of_l8[256];                /* 8-bit L → f(Y) = (L + 16) / 116 */
  float   y_of_l8[256];                /* 8-bit L → Y */
  guint8  to_srgb[SRGB_STEPS + 1];     /* linear light in [0, 1] → sRGB byte */
} LabTables;

static LabTables tables;

static double
lab_f (double t)
{
  return t < 0.008856 ? 7.787 * t + 16.0 / 116.0 : cbrt (t);
}

static double
lab_f_inverse (double f)
{
  return f > 0.206893 ? f * f * f : (f - 16.0 / 116.0) / 7.787;
}

static void
fill_tables (void)
{
  const double white[3] = { XN, 1.0, ZN };
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      tables.matrix[r][c] = (int) lrint ((1 << MATRIX_SHIFT) * RGB_TO_XYZ[r][c] / white[r]);

  for (int i = 0; i < 256; i++)
    {
      double v = i / 255.0;
      double linear = v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
      tables.to_linear[i] = (guint16) lrint (LINEAR_SCALE * linear);
      double fy = (i * 100.0 / 255.0 + 16.0) / 116.0;
      tables.f_of_l8[i] = (float) fy;
      tables.y_of_l8[i] = (float) lab_f_inverse (fy);
    }
  for (int i = 0; i < F_TABLE_SIZE; i++)
    {
      /* OpenCV computes the abscissa in single precision. */
      float t = (float) i * (1.0f / LINEAR_SCALE);
      tables.f[i] = (guint16) lrint ((1 << F_SHIFT) * lab_f (t));
    }
  for (int i = 0; i <= SRGB_STEPS; i++)
    {
      double t = (double) i / SRGB_STEPS;
      double s = t <= 0.0031308 ? 12.92 * t : 1.055 * pow (t, 1.0 / 2.4) - 0.055;
      tables.to_srgb[i] = (guint8) lrint (255.0 * s);
    }
}

static void
ensure_tables (void)
{
  static gsize filled = 0;
  if (g_once_init_enter (&filled))
    {
      fill_tables ();
      g_once_init_leave (&filled, 1);
    }
}

/* f(X/Xn), f(Y), f(Z/Zn) of one pixel, scaled by 2^15, as OpenCV has them. */
static inline void
lab_f_values (const guint8 *rgb, int f[3])
{
  int r = tables.to_linear[rgb[0]];
  int g = tables.to_linear[rgb[1]];
  int b = tables.to_linear[rgb[2]];
  for (int c = 0; c < 3; c++)
    {
      const int *m = tables.matrix[c];
      int index = (r * m[0] + g * m[1] + b * m[2] + (1 << (MATRIX_SHIFT - 1))) >> MATRIX_SHIFT;
      f[c] = tables.f[index];
    }
}

void
fovea_lab_split_row (const guint8   *rgb,
                     int             channels,
                     guint8         *lightness,
                     FoveaLabChroma *chroma,
                     int             n)
{
  /* L·255/100 = 116·f(Y)·2.55 − 16·2.55 in OpenCV's fixed point. */
  const int scale = (116 * 255 + 50) / 100;
  const int offset = -((16 * 255 * (1 << F_SHIFT) + 50) / 100);
  ensure_tables ();
  for (int x = 0; x < n; x++, rgb += channels)
    {
      int f[3];
      lab_f_values (rgb, f);
      int l = (scale * f[1] + offset + (1 << (F_SHIFT - 1))) >> F_SHIFT;
      lightness[x] = (guint8) CLAMP (l, 0, 255);
      /* f() lies in [16/116, 1]: the differences fit in 16 bits. */
      chroma[x].x = (gint16) (f[0] - f[1]);
      chroma[x].z = (gint16) (f[2] - f[1]);
    }
}

/* Both branches are computed and blended by a 0/1 factor rather than
 * chosen by a branch, so that the chunk loop below vectorises. */
static inline float
f_inverse (float f)
{
  float cube = f * f * f;
  float line = (f - 16.0f / 116.0f) * (1.0f / 7.787f);
  float is_cube = (float) (f > 0.206893f);
  return line + is_cube * (cube - line);
}

static inline float
dot3 (const float m[3], float x, float y, float z)
{
  return m[0] * x + m[1] * y + m[2] * z;
}

/* Index of a linear value in the sRGB table, clamped in integers (which
 * vectorises). |t| < 64 here: f() ≤ 2 gives X, Z ≤ 8, times a matrix
 * row, so the conversion to int cannot overflow. */
static inline int
srgb_index (float t)
{
  int i = (int) (t * SRGB_STEPS + 0.5f);
  return CLAMP (i, 0, SRGB_STEPS);
}

/* Pixels are converted in chunks: table lookups fill small arrays, and
 * the arithmetic runs over whole chunks in loops of fixed length, which
 * compilers vectorise even at -O2. */
#define CHUNK 64

void
fovea_lab_join_row (const guint8         *lightness,
                    const FoveaLabChroma *chroma,
                    guint8               *rgb,
                    int                   channels,
                    int                   n)
{
  const float unit = 1.0f / (1 << F_SHIFT);
  ensure_tables ();
  for (int x0 = 0; x0 < n; x0 += CHUNK)
    {
      int count = MIN (CHUNK, n - x0);
      float fx[CHUNK] = { 0 }, fy[CHUNK] = { 0 }, fz[CHUNK] = { 0 }, yr[CHUNK] = { 0 };
      int index[3][CHUNK];
      for (int i = 0; i < count; i++)
        {
          int l = lightness[x0 + i];
          fy[i] = tables.f_of_l8[l];
          yr[i] = tables.y_of_l8[l];
          fx[i] = fy[i] + (float) chroma[x0 + i].x * unit;
          fz[i] = fy[i] + (float) chroma[x0 + i].z * unit;
        }
      for (int i = 0; i < CHUNK; i++)
        {
          float xr = f_inverse (fx[i]), zr = f_inverse (fz[i]);
          index[0][i] = srgb_index (dot3 (XYZ_TO_RGB[0], xr, yr[i], zr));
          index[1][i] = srgb_index (dot3 (XYZ_TO_RGB[1], xr, yr[i], zr));
          index[2][i] = srgb_index (dot3 (XYZ_TO_RGB[2], xr, yr[i], zr));
        }
      guint8 *out = rgb + (gsize) x0 * channels;
      for (int i = 0; i < count; i++, out += channels)
        for (int c = 0; c < 3; c++)
          out[c] = tables.to_srgb[index[c][i]];
    }
}
