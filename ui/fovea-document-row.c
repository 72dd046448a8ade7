/* fovea-document-row.c: a row of the sidebar listing opened documents.
 *
 * Shows the file name, a status icon (spinner while loading, an error icon
 * when the file could not be read) and a one-line summary, kept up to date
 * as the document's state changes. */
#include "fovea-document-row.h"

struct _FoveaDocumentRow
{
  GtkListBoxRow  parent_instance;

  FoveaDocument *document;

  GtkStack      *status_stack;
  GtkLabel      *name_label;
  GtkLabel      *summary_label;
};

G_DEFINE_FINAL_TYPE (FoveaDocumentRow, fovea_document_row, GTK_TYPE_LIST_BOX_ROW)

static void
update_status (FoveaDocumentRow *self)
{
  g_autofree char *summary = fovea_document_dup_summary (self->document);
  const char *page;

  switch (fovea_document_get_state (self->document))
    {
    case FOVEA_DOCUMENT_LOADING:
      page = "loading";
      break;

    case FOVEA_DOCUMENT_FAILED:
      page = "failed";
      break;

    case FOVEA_DOCUMENT_READY:
    default:
      page = "ready";
      break;
    }

  gtk_stack_set_visible_child_name (self->status_stack, page);
  gtk_label_set_text (self->summary_label, summary);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               fovea_document_get_error_message (self->document));
}

static void
document_state_changed_cb (FoveaDocumentRow *self)
{
  update_status (self);
}

static void
fovea_document_row_dispose (GObject *object)
{
  FoveaDocumentRow *self = FOVEA_DOCUMENT_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_DOCUMENT_ROW);
  g_clear_object (&self->document);

  G_OBJECT_CLASS (fovea_document_row_parent_class)->dispose (object);
}

static void
fovea_document_row_class_init (FoveaDocumentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_document_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-document-row.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, status_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaDocumentRow, summary_label);
}

static void
fovea_document_row_init (FoveaDocumentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
fovea_document_row_new (FoveaDocument *document)
{
  FoveaDocumentRow *self;

  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);

  self = g_object_new (FOVEA_TYPE_DOCUMENT_ROW, NULL);
  self->document = g_object_ref (document);
  gtk_label_set_text (self->name_label, fovea_document_get_display_name (document));
  g_signal_connect_object (document, "notify::state",
                           G_CALLBACK (document_state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  update_status (self);

  return GTK_WIDGET (self);
}

FoveaDocument *
fovea_document_row_get_document (FoveaDocumentRow *self)
{
  g_return_val_if_fail (FOVEA_IS_DOCUMENT_ROW (self), NULL);

  return self->document;
}
