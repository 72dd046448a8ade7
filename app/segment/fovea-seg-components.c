/* fovea-seg-components.c: 8-connected component labelling by flood fill
 * with an explicit stack (no recursion: a vessel tree can span millions
 * of pixels). */
#define G_LOG_DOMAIN "fovea-seg-components"

#include "fovea-seg-components.h"

static void
fill (FoveaSegComponents *out, const guint8 *mask, gsize start, guint32 id, GArray *stack,
      FoveaSegComponent *component)
{
  int width = out->width, height = out->height;
  double sum_x = 0, sum_y = 0;
  out->labels[start] = id;
  g_array_set_size (stack, 0);
  g_array_append_val (stack, start);
  while (stack->len > 0)
    {
      gsize at = g_array_index (stack, gsize, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      int x = (int) (at % width), y = (int) (at / width);
      component->area++;
      sum_x += x + 0.5;
      sum_y += y + 0.5;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= width || ny >= height)
              continue;
            gsize n = (gsize) ny * width + nx;
            if (mask[n] && out->labels[n] == 0)
              {
                out->labels[n] = id;
                g_array_append_val (stack, n);
              }
          }
    }
  component->cx = sum_x / component->area;
  component->cy = sum_y / component->area;
  component->x0 = (int) (start % width);
  component->y0 = (int) (start / width);
}

FoveaSegComponents *
fovea_seg_components_new (const guint8 *mask, int width, int height)
{
  g_return_val_if_fail (mask != NULL && width > 0 && height > 0, NULL);

  FoveaSegComponents *out = g_new0 (FoveaSegComponents, 1);
  out->width = width;
  out->height = height;
  gsize n = (gsize) width * height;
  out->labels = g_new0 (guint32, n);
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GArray) components = g_array_new (FALSE, TRUE, sizeof (FoveaSegComponent));
  for (gsize i = 0; i < n; i++)
    if (mask[i] && out->labels[i] == 0)
      {
        FoveaSegComponent component = { 0 };
        fill (out, mask, i, components->len + 1, stack, &component);
        g_array_append_val (components, component);
      }
  out->n_components = (int) components->len;
  out->components = (FoveaSegComponent *) (gpointer) g_array_free (g_steal_pointer (&components),
                                                                   FALSE);
  return out;
}

void
fovea_seg_components_free (FoveaSegComponents *components)
{
  if (components == NULL)
    return;
  g_free (components->labels);
  g_free (components->components);
  g_free (components);
}

int
fovea_seg_components_largest (const FoveaSegComponents *components)
{
  int best = -1;
  for (int i = 0; i < components->n_components; i++)
    if (best < 0 || components->components[i].area > components->components[best].area)
      best = i;
  return best;
}
