/* fovea-batch-job.c: one folder being graded for the GUI, in a GTask
 * thread. */
#define G_LOG_DOMAIN "fovea-batch-job"

#include "config.h"

#include "fovea-batch-job.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fovea-batch-row.h"

struct _FoveaBatchJob
{
  GObject             parent_instance;

  FoveaModelCatalog  *catalog;
  char               *model_path;
  GStrv               adapter_paths;   /* of tasks with weights of their own */
  GStrv               task_names;
  char               *folder;
  gboolean            recursive;

  GMainContext       *context;         /* the main thread's */
  GCancellable       *cancellable;
  GListStore         *rows;
  FoveaBatchProgress  progress;
  gboolean            started;
  gboolean            running;
  gboolean            cancelled;
  char               *error_message;

  /* The worker's own. */
  gboolean            at_file_start;

  /* Shared with the worker. */
  GMutex              mutex;
  GCond               cond;
  gboolean            paused;
};

G_DEFINE_FINAL_TYPE (FoveaBatchJob, fovea_batch_job, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the worker hands to the main thread. */
typedef struct {
  FoveaBatchJob     *job;       /* a reference */
  FoveaBatchRow     *row;       /* or NULL for a progress report */
  FoveaBatchProgress progress;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  g_object_unref (delivery->job);
  g_clear_object (&delivery->row);
  g_free (delivery);
}

static gboolean
deliver_cb (gpointer data)
{
  Delivery *delivery = data;
  FoveaBatchJob *self = delivery->job;

  if (delivery->row != NULL)
    g_list_store_append (self->rows, delivery->row);
  else
    {
      self->progress = delivery->progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  return G_SOURCE_REMOVE;
}

static void
deliver (FoveaBatchJob            *self,
         FoveaBatchRow            *row,
         const FoveaBatchProgress *progress)
{
  Delivery *delivery = g_new0 (Delivery, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  delivery->job = g_object_ref (self);
  delivery->row = row;
  if (progress != NULL)
    delivery->progress = *progress;
  /* Always a source on the main thread's context, never
   * g_main_context_invoke: that calls deliver_cb right here, in the
   * worker, whenever the main thread is not iterating at that moment, so
   * rows would be appended off the main thread and deliveries overtake
   * ones still queued (a finished job then showed an old progress). */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_cb, delivery, delivery_free);
  g_source_set_static_name (source, "[fovea] batch job delivery");
  g_source_attach (source, self->context);
}

/* Worker thread. */
static gboolean
record_cb (const FoveaGradeRecord *record,
           const FoveaImage       *image,
           gboolean                last_of_file,
           gpointer                user_data,
           GError                **error)
{
  FoveaBatchJob *self = user_data;

  /* fovea_batch_run looks at the cancellable only between groups of
   * files: stop at the next file boundary instead, so that Cancel is
   * prompt and no file is left with only some of its tasks' rows. */
  if (self->at_file_start && g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return FALSE;
  self->at_file_start = last_of_file;
  deliver (self, fovea_batch_row_new (fovea_grade_record_copy (record), self->folder), NULL);
  return TRUE;
}

static void
cancelled_cb (GCancellable  *cancellable,
              FoveaBatchJob *self)
{
  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

/* Worker thread. */
static void
progress_cb (const FoveaBatchProgress *progress,
             gpointer                  user_data)
{
  FoveaBatchJob *self = user_data;

  deliver (self, NULL, progress);

  g_mutex_lock (&self->mutex);
  while (self->paused && !g_cancellable_is_cancelled (self->cancellable))
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  FoveaBatchJob *self = source_object;
  g_autoptr(FoveaEngine) engine = NULL;
  g_autoptr(FoveaBatch) batch = NULL;
  GError *error = NULL;
  FoveaBatchProgress progress = { 0 };

  engine = fovea_engine_new (self->model_path, 0, &error);
  if (engine == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; self->adapter_paths[i] != NULL; i++)
    if (fovea_engine_add_adapter (engine, self->adapter_paths[i], NULL, &error) < 0)
      {
        g_task_return_error (task, error);
        return;
      }

  batch = fovea_batch_new (engine);
  fovea_batch_add_folder (batch, self->folder);
  fovea_batch_set_recursive (batch, self->recursive);
  fovea_batch_set_tasks (batch, (const char * const *) self->task_names);
  fovea_batch_set_callbacks (batch, record_cb, progress_cb, self);
  if (!fovea_batch_run (batch, cancellable, &progress, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
run_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  FoveaBatchJob *self = FOVEA_BATCH_JOB (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->cancelled = TRUE;
      else
        self->error_message = g_strdup (error->message);
    }
  self->running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

FoveaBatchJob *
fovea_batch_job_new (FoveaModelCatalog       *catalog,
                     const FoveaCatalogModel *model,
                     GPtrArray               *tasks,
                     const char              *folder,
                     gboolean                 recursive)
{
  FoveaBatchJob *self;
  g_autoptr(GStrvBuilder) adapters = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  g_return_val_if_fail (catalog != NULL && model != NULL && tasks != NULL, NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  self = g_object_new (FOVEA_TYPE_BATCH_JOB, NULL);
  self->catalog = fovea_model_catalog_ref (catalog);
  self->model_path = g_strdup (model->path);
  for (guint i = 0; i < tasks->len; i++)
    {
      const FoveaCatalogTask *task = tasks->pdata[i];

      if (task->path != NULL)
        g_strv_builder_add (adapters, task->path);
      g_strv_builder_add (names, task->name);
    }
  self->adapter_paths = g_strv_builder_end (adapters);
  self->task_names = g_strv_builder_end (names);
  self->folder = g_strdup (folder);
  self->recursive = recursive;
  return self;
}

void
fovea_batch_job_start (FoveaBatchJob *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FOVEA_IS_BATCH_JOB (self));
  g_return_if_fail (!self->started);

  self->started = TRUE;
  self->running = TRUE;
  self->at_file_start = TRUE;
  task = g_task_new (self, self->cancellable, run_done_cb, NULL);
  g_task_set_source_tag (task, fovea_batch_job_start);
  g_task_run_in_thread (task, run_thread);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
fovea_batch_job_cancel (FoveaBatchJob *self)
{
  g_return_if_fail (FOVEA_IS_BATCH_JOB (self));
  g_cancellable_cancel (self->cancellable);
}

void
fovea_batch_job_set_paused (FoveaBatchJob *self,
                            gboolean       paused)
{
  g_return_if_fail (FOVEA_IS_BATCH_JOB (self));

  g_mutex_lock (&self->mutex);
  self->paused = paused;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

const char *
fovea_batch_job_get_folder (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), NULL);
  return self->folder;
}

GListModel *
fovea_batch_job_get_rows (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), NULL);
  return G_LIST_MODEL (self->rows);
}

gboolean
fovea_batch_job_get_running (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), FALSE);
  return self->running;
}

gboolean
fovea_batch_job_get_cancelled (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), FALSE);
  return self->cancelled;
}

const FoveaBatchProgress *
fovea_batch_job_get_progress (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), NULL);
  return &self->progress;
}

const char *
fovea_batch_job_get_error_message (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), NULL);
  return self->error_message;
}

double
fovea_batch_job_get_fraction (FoveaBatchJob *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), 0);
  if (self->progress.n_total == 0)
    return 0;
  return (double) self->progress.n_done / self->progress.n_total;
}

char *
fovea_batch_job_dup_progress_text (FoveaBatchJob *self)
{
  const FoveaBatchProgress *p;
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (self), NULL);

  p = &self->progress;
  text = g_string_new (NULL);
  g_string_printf (text, "%u / %u", p->n_done, p->n_total);
  if (p->n_done > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%.1f images/s"), p->images_per_s);
    }
  if (self->running && !isnan (p->eta_s) && p->n_done > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%.0f s left"), ceil (p->eta_s));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
fovea_batch_job_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  FoveaBatchJob *self = FOVEA_BATCH_JOB (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, fovea_batch_job_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_batch_job_dispose (GObject *object)
{
  FoveaBatchJob *self = FOVEA_BATCH_JOB (object);

  /* Only reached once the worker is done: its GTask holds a reference. */
  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (fovea_batch_job_parent_class)->dispose (object);
}

static void
fovea_batch_job_finalize (GObject *object)
{
  FoveaBatchJob *self = FOVEA_BATCH_JOB (object);

  g_signal_handlers_disconnect_by_data (self->cancellable, self);
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  g_free (self->model_path);
  g_strfreev (self->adapter_paths);
  g_strfreev (self->task_names);
  g_free (self->folder);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->rows);
  g_free (self->error_message);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (fovea_batch_job_parent_class)->finalize (object);
}

static void
fovea_batch_job_class_init (FoveaBatchJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fovea_batch_job_dispose;
  object_class->finalize = fovea_batch_job_finalize;
  object_class->get_property = fovea_batch_job_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The fraction done; notified on every progress report. */
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_batch_job_init (FoveaBatchJob *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->rows = g_list_store_new (FOVEA_TYPE_BATCH_ROW);
  self->progress.eta_s = NAN;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  g_signal_connect (self->cancellable, "cancelled", G_CALLBACK (cancelled_cb), self);
}
