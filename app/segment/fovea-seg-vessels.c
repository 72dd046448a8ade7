/* fovea-seg-vessels.c: fractal dimension, skeleton and tortuosity of a
 * vessel mask (see the header for the definitions and their source). */
#define G_LOG_DOMAIN "fovea-seg-vessels"

#include "fovea-seg-vessels.h"

#include <math.h>
#include <string.h>

#include "fovea-seg-components.h"

#define MIN_BOX_SIZES 3
/* Arc length is measured between every ARC_STEP-th traced pixel. */
#define ARC_STEP 4

double
fovea_seg_fractal_dimension (const guint8 *mask, int width, int height)
{
  g_return_val_if_fail (mask != NULL && width > 0 && height > 0, NAN);

  int largest = MIN (width, height) / 4;
  /* occupied: one flag per box of the current size, starting at size 1. */
  int gw = width, gh = height;
  g_autofree guint8 *occupied = g_new (guint8, (gsize) gw * gh);
  for (gsize i = 0; i < (gsize) gw * gh; i++)
    occupied[i] = mask[i] != 0;

  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (int size = 2; size <= largest; size *= 2)
    {
      int nw = (gw + 1) / 2, nh = (gh + 1) / 2;
      gint64 count = 0;
      for (int y = 0; y < nh; y++)
        for (int x = 0; x < nw; x++)
          {
            guint8 any = 0;
            for (int dy = 0; dy < 2 && 2 * y + dy < gh; dy++)
              for (int dx = 0; dx < 2 && 2 * x + dx < gw; dx++)
                any |= occupied[(gsize) (2 * y + dy) * gw + 2 * x + dx];
            occupied[(gsize) y * nw + x] = any;  /* in place: (y, x) ≤ (2y, 2x) */
            count += any;
          }
      gw = nw;
      gh = nh;
      if (count == 0)
        return NAN;
      double lx = log (1.0 / size), ly = log ((double) count);
      sx += lx;
      sy += ly;
      sxx += lx * lx;
      sxy += lx * ly;
      n++;
    }
  if (n < MIN_BOX_SIZES)
    return NAN;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* The eight neighbours of (x, y) clockwise from north, P2 … P9 in Zhang
 * and Suen's naming; outside the image is 0. */
static void
neighbours (const guint8 *mask, int width, int height, int x, int y, guint8 p[8])
{
  static const int dx[8] = { 0, 1, 1, 1, 0, -1, -1, -1 };
  static const int dy[8] = { -1, -1, 0, 1, 1, 1, 0, -1 };
  for (int i = 0; i < 8; i++)
    {
      int nx = x + dx[i], ny = y + dy[i];
      p[i] = nx >= 0 && ny >= 0 && nx < width && ny < height &&
             mask[(gsize) ny * width + nx] != 0;
    }
}

static int
count_set (const guint8 p[8])
{
  int n = 0;
  for (int i = 0; i < 8; i++)
    n += p[i];
  return n;
}

void
fovea_seg_skeletonise (guint8 *mask, int width, int height)
{
  g_return_if_fail (mask != NULL && width > 0 && height > 0);

  gsize n = (gsize) width * height;
  for (gsize i = 0; i < n; i++)
    mask[i] = mask[i] != 0;
  g_autoptr (GArray) doomed = g_array_new (FALSE, FALSE, sizeof (gsize));
  gboolean changed = TRUE;
  while (changed)
    {
      changed = FALSE;
      for (int pass = 0; pass < 2; pass++)
        {
          g_array_set_size (doomed, 0);
          for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
              {
                gsize at = (gsize) y * width + x;
                if (!mask[at])
                  continue;
                guint8 p[8];
                neighbours (mask, width, height, x, y, p);
                int b = count_set (p), a = 0;
                for (int i = 0; i < 8; i++)
                  a += !p[i] && p[(i + 1) % 8];
                /* P2 P4 P6 and P4 P6 P8 (first pass), P2 P4 P8 and P2 P6 P8 (second). */
                gboolean c = pass == 0 ? !(p[0] && p[2] && p[4]) && !(p[2] && p[4] && p[6])
                                       : !(p[0] && p[2] && p[6]) && !(p[0] && p[4] && p[6]);
                if (b >= 2 && b <= 6 && a == 1 && c)
                  g_array_append_val (doomed, at);
              }
          for (guint i = 0; i < doomed->len; i++)
            mask[g_array_index (doomed, gsize, i)] = 0;
          changed = changed || doomed->len > 0;
        }
    }
}

/* How many 8-connected groups the set neighbours p[8] (clockwise from
 * north) form among themselves: ring neighbours touch, and so do two
 * 4-neighbours a corner apart (north and east). */
static int
neighbour_groups (const guint8 p[8])
{
  int group[8], n = 0;
  for (int i = 0; i < 8; i++)
    group[i] = p[i] ? i : -1;
  for (gboolean merged = TRUE; merged;)
    {
      merged = FALSE;
      for (int i = 0; i < 8; i++)
        for (int step = 1; step <= 2; step++)
          {
            int j = (i + step) % 8;
            gboolean touch = step == 1 || i % 2 == 0;
            if (touch && p[i] && p[j] && group[i] != group[j])
              {
                group[i] = group[j] = MIN (group[i], group[j]);
                merged = TRUE;
              }
          }
    }
  for (int i = 0; i < 8; i++)
    n += p[i] && group[i] == i;
  return n;
}

/* Zhang and Suen's skeleton is thin but may keep a pixel its neighbours
 * do not need to stay connected (the corner of a step, the middle of a
 * clump of three): removed, so that a path's pixels have two neighbours
 * and branch points stand out. One pass in row order; a line's end (one
 * neighbour) is kept. */
static void
remove_redundant_pixels (guint8 *skeleton, int width, int height)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize at = (gsize) y * width + x;
        if (!skeleton[at])
          continue;
        guint8 p[8];
        neighbours (skeleton, width, height, x, y, p);
        if (count_set (p) >= 2 && neighbour_groups (p) == 1)
          skeleton[at] = 0;
      }
}

/* Traces component id from its end at start; returns the pixels in order. */
static GArray *
trace (const FoveaSegComponents *parts, guint32 id, gsize start, guint8 *visited)
{
  static const int dx[8] = { 0, 1, 0, -1, 1, 1, -1, -1 };  /* 4-neighbours first */
  static const int dy[8] = { -1, 0, 1, 0, -1, 1, 1, -1 };
  int width = parts->width, height = parts->height;
  GArray *path = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize at = start;
  for (;;)
    {
      visited[at] = 1;
      g_array_append_val (path, at);
      int x = (int) (at % width), y = (int) (at / width);
      gboolean moved = FALSE;
      for (int i = 0; i < 8 && !moved; i++)
        {
          int nx = x + dx[i], ny = y + dy[i];
          if (nx < 0 || ny < 0 || nx >= width || ny >= height)
            continue;
          gsize n = (gsize) ny * width + nx;
          if (parts->labels[n] == id && !visited[n])
            {
              at = n;
              moved = TRUE;
            }
        }
      if (!moved)
        return path;
    }
}

static double
distance (gsize a, gsize b, int width)
{
  double ax = (double) (a % width), ay = (double) (a / width);
  double bx = (double) (b % width), by = (double) (b / width);
  return hypot (ax - bx, ay - by);
}

double
fovea_seg_tortuosity (const guint8 *mask, int width, int height, double min_chord,
                      int *n_segments)
{
  g_return_val_if_fail (mask != NULL && width > 0 && height > 0, NAN);

  gsize n = (gsize) width * height;
  g_autofree guint8 *skeleton = g_memdup2 (mask, n);
  fovea_seg_skeletonise (skeleton, width, height);
  remove_redundant_pixels (skeleton, width, height);

  /* Segments: the skeleton without its branch points. */
  g_autofree guint8 *segments = g_new0 (guint8, n);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize at = (gsize) y * width + x;
        guint8 p[8];
        if (!skeleton[at])
          continue;
        neighbours (skeleton, width, height, x, y, p);
        segments[at] = count_set (p) <= 2;
      }
  g_autoptr (FoveaSegComponents) parts = fovea_seg_components_new (segments, width, height);

  /* An end of each segment: a pixel with one neighbour in it (or none:
   * a single pixel). */
  g_autofree gsize *ends = g_new (gsize, parts->n_components + 1);
  g_autofree guint8 *has_end = g_new0 (guint8, parts->n_components + 1);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gsize at = (gsize) y * width + x;
        guint32 id = parts->labels[at];
        if (id == 0 || has_end[id])
          continue;
        int in_segment = 0;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int nx = x + dx, ny = y + dy;
              if ((dx || dy) && nx >= 0 && ny >= 0 && nx < width && ny < height &&
                  parts->labels[(gsize) ny * width + nx] == id)
                in_segment++;
            }
        if (in_segment <= 1)
          {
            has_end[id] = 1;
            ends[id] = at;
          }
      }

  g_autofree guint8 *visited = g_new0 (guint8, n);
  double weighted = 0, total_arc = 0;
  int measured = 0;
  for (guint32 id = 1; id <= (guint32) parts->n_components; id++)
    {
      if (!has_end[id])
        continue;  /* a closed loop: no chord */
      g_autoptr (GArray) path = trace (parts, id, ends[id], visited);
      gsize first = g_array_index (path, gsize, 0);
      gsize last = g_array_index (path, gsize, path->len - 1);
      double chord = distance (first, last, width);
      if (chord < min_chord)
        continue;
      double arc = 0;
      gsize previous = first;
      for (guint i = ARC_STEP; i < path->len; i += ARC_STEP)
        {
          gsize here = g_array_index (path, gsize, i);
          arc += distance (previous, here, width);
          previous = here;
        }
      arc += distance (previous, last, width);
      arc = MAX (arc, chord);
      weighted += arc * (arc / chord);
      total_arc += arc;
      measured++;
    }
  if (n_segments != NULL)
    *n_segments = measured;
  return measured > 0 ? weighted / total_arc : NAN;
}
