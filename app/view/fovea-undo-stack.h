/* fovea-undo-stack.h: undo and redo of display adjustment states.
 *
 * The stack holds whole FoveaAdjustments states rather than edits: undo
 * gives back the state to show, which the caller applies as it is. Pushes
 * made with the same coalesce key in quick succession (the values of one
 * slider drag) replace each other, so a drag is undone in one step. */
#pragma once

#include <glib-object.h>

#include "fovea-adjustments.h"

G_BEGIN_DECLS

/* The oldest states are dropped beyond this many undo steps. */
#define FOVEA_UNDO_STACK_MAX_STEPS 100
/* Pushes with the same key this close together (µs) make one step. */
#define FOVEA_UNDO_STACK_COALESCE_INTERVAL (500 * G_TIME_SPAN_MILLISECOND)

#define FOVEA_TYPE_UNDO_STACK (fovea_undo_stack_get_type ())

G_DECLARE_FINAL_TYPE (FoveaUndoStack, fovea_undo_stack, FOVEA, UNDO_STACK, GObject)

FoveaUndoStack         *fovea_undo_stack_new                   (const FoveaAdjustments *initial);
/* Forgets all history; initial becomes the current state. */
void                    fovea_undo_stack_reset                 (FoveaUndoStack         *self,
                                                                const FoveaAdjustments *initial);
const FoveaAdjustments *fovea_undo_stack_get_current           (FoveaUndoStack         *self);
/* Makes state the current one and clears the redo states. coalesce_key
 * (may be NULL, which never coalesces) names the control that made the
 * change. Returns FALSE, changing nothing, when state equals the current
 * one. */
gboolean                fovea_undo_stack_push                  (FoveaUndoStack         *self,
                                                                const FoveaAdjustments *state,
                                                                const char             *coalesce_key);
/* Ends the step being coalesced (a slider was released): the next push
 * starts a new step whatever its key. */
void                    fovea_undo_stack_close_step            (FoveaUndoStack         *self);
/* Step back or forward; returns the state now current, or NULL (and
 * nothing changes) when there is nothing to undo or redo. */
const FoveaAdjustments *fovea_undo_stack_undo                  (FoveaUndoStack         *self);
const FoveaAdjustments *fovea_undo_stack_redo                  (FoveaUndoStack         *self);
/* Also the "can-undo" and "can-redo" properties, notified on change. */
gboolean                fovea_undo_stack_get_can_undo          (FoveaUndoStack         *self);
gboolean                fovea_undo_stack_get_can_redo          (FoveaUndoStack         *self);
/* FOVEA_UNDO_STACK_COALESCE_INTERVAL unless changed (tests change it). */
void                    fovea_undo_stack_set_coalesce_interval (FoveaUndoStack         *self,
                                                                GTimeSpan               interval);

G_END_DECLS
