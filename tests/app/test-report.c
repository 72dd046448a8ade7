/* test-report.c: PDF reports, read back the way a reader would: pdftotext
 * finds every field (the escaped patient string verbatim), pdfinfo shows
 * the metadata and page count, pdftoppm renders every page. The poppler
 * tools come from poppler-utils (scripts/install-deps.sh test); without
 * them the tests skip, saying so. Rendered pages stay under
 * $G_TEST_BUILDDIR/report-pages for a person to look at. */
#include "config.h"

#include <glib/gstdio.h>
#include <libintl.h>
#include <locale.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-report.h"
#include "fovea-test-common.h"

#define NASTY_PATIENT "P-17 <b>&amp; \"x\""

static void
assert_lacks (const char *text, const char *needle)
{
  if (strstr (text, needle) != NULL)
    g_error ("“%s” should not be in the report text:\n%s", needle, text);
}

static char *
pdfinfo_field (const char *info, const char *name)
{
  g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s:", name);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strstrip (g_strdup (lines[i] + strlen (prefix)));
  return NULL;
}

static int
pdf_pages (const char *path, char **out_title)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = fovea_test_run_program (argv);
  g_autofree char *author = pdfinfo_field (info, "Author");
  g_autofree char *created = pdfinfo_field (info, "CreationDate");
  g_autofree char *pages = pdfinfo_field (info, "Pages");
  g_autofree char *size = pdfinfo_field (info, "Page size");
  g_assert_cmpstr (author, ==, "Fovea");
  g_assert_nonnull (created);
  g_assert_cmpuint (strlen (created), >, 8);
  g_assert_nonnull (size);
  g_assert_nonnull (strstr (size, "(A4)"));
  if (out_title != NULL)
    *out_title = pdfinfo_field (info, "Title");
  g_assert_nonnull (pages);
  return atoi (pages);
}

/* Renders every page at 50 dpi into the build folder (kept for a person to
 * look at); checks that each page exists and is not blank. */
static void
assert_pages_render (const char *pdf, const char *name, int n_pages)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "report-pages", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *prefix = g_build_filename (dir, name, NULL);
  /* Pages of an earlier run must not count. */
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_autofree char *stale = g_strdup_printf ("%s-", name);
  for (const char *entry; listing != NULL && (entry = g_dir_read_name (listing)) != NULL;)
    if (g_str_has_prefix (entry, stale) && g_str_has_suffix (entry, ".png"))
      {
        g_autofree char *old = g_build_filename (dir, entry, NULL);
        g_unlink (old);
      }
  const char *argv[] = { "pdftoppm", "-r", "50", "-png", pdf, prefix, NULL };
  g_free (fovea_test_run_program (argv));
  for (int page = 1; page <= n_pages; page++)
    {
      /* pdftoppm pads the page number to the width of the page count. */
      int digits = n_pages >= 100 ? 3 : n_pages >= 10 ? 2 : 1;
      g_autofree char *png = g_strdup_printf ("%s-%0*d.png", prefix, digits, page);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaImage) image = fovea_decode_file (png, NULL, NULL, &error);
      g_assert_no_error (error);
      g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (image);
      /* A4 at 50 dpi: 413 × 585. */
      g_assert_cmpint (grey->width, >=, 413);
      g_assert_cmpint (grey->width, <=, 414);
      g_assert_cmpint (grey->height, >=, 584);
      g_assert_cmpint (grey->height, <=, 585);
      gsize inked = 0;
      for (int y = 0; y < grey->height; y++)
        for (int x = 0; x < grey->width; x++)
          inked += fovea_image_row (grey, y)[x] < 200;
      /* The footer alone is a few hundred pixels; a page with content more. */
      if (inked < 500)
        g_error ("%s: page %d looks blank (%" G_GSIZE_FORMAT " inked pixels)", png, page,
                 inked);
    }
  g_autofree char *beyond = g_strdup_printf ("%s-%0*d.png", prefix,
                                             n_pages >= 99 ? 3 : n_pages >= 9 ? 2 : 1,
                                             n_pages + 1);
  g_assert_false (g_file_test (beyond, G_FILE_TEST_EXISTS));
}

static GArray *
floats (int n, ...)
{
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (float), (guint) n);
  va_list args;
  va_start (args, n);
  for (int i = 0; i < n; i++)
    {
      float v = (float) va_arg (args, double);
      g_array_append_val (array, v);
    }
  va_end (args);
  return array;
}

static void
set_provenance (FoveaGradeRecord *r, const char *model)
{
  r->model_name = g_strdup (model);
  r->model_sha256 = g_strdup ("3f2a9c0d5e1b7a4c8d6e2f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c");
  r->training_data = g_strdup ("Synthetic test images only (no patients)");
  r->metrics = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (r->metrics, g_strdup ("qwk 0.412 (held-out synthetic)"));
  g_ptr_array_add (r->metrics, g_strdup ("acc 0.655 (held-out synthetic)"));
  r->intended_use = g_strdup ("Research on DR screening workflows; not for diagnosis");
  r->research_use_only = TRUE;
  /* The fixture cards report held-out figures. */
  r->validated = TRUE;
}

static FoveaGradeRecord *
grading_record (const char *path, const char *patient, const char *eye, int grade)
{
  static const char *const names[] = { "No DR", "Mild NPDR", "Moderate NPDR",
                                       "Severe NPDR", "Proliferative DR" };
  FoveaGradeRecord *r = fovea_grade_record_new (path);
  r->patient_id = g_strdup (patient);
  g_free (r->eye);
  r->eye = g_strdup (eye);
  r->modality = FOVEA_MODALITY_FUNDUS;
  r->quality.gradable = TRUE;
  r->quality.sharpness = 21.5;
  r->quality.mean_luminance = 98;
  r->quality.effective_resolution = 535;
  r->task = g_strdup ("dr-grading");
  r->calibrated = TRUE;
  r->grade = grade;
  r->label = g_strdup (names[grade]);
  r->labels = g_strdupv ((char **) names);
  r->logits = floats (1, grade + 0.3);
  r->has_referable = TRUE;
  r->referable = grade >= 2;
  r->referral_rule = g_strdup ("referable when grade ≥ 2 (moderate NPDR or worse)");
  set_provenance (r, "vit-tiny-dr (fixture)");
  return r;
}

static FoveaGradeRecord *
classification_record (void)
{
  static const char *const names[] = { "MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC", NULL };
  static const char *const titles[] = { "Melanoma", "Melanocytic naevus", "Basal cell carcinoma",
                                        "Actinic keratosis", "Benign keratosis", "Dermatofibroma",
                                        "Vascular lesion", NULL };
  FoveaGradeRecord *r = fovea_grade_record_new ("/data/derm/ISIC_0000042.jpg");
  r->patient_id = g_strdup ("D-204");
  r->modality = FOVEA_MODALITY_SKIN;
  r->quality.gradable = TRUE;
  r->task = g_strdup ("skin-lesion");
  r->calibrated = TRUE;
  r->label = g_strdup ("NV");
  r->confidence = 0.712;
  r->labels = g_strdupv ((char **) names);
  r->label_titles = g_strdupv ((char **) titles);
  r->label_title = g_strdup ("Melanocytic naevus");
  r->probs = floats (7, 0.081, 0.712, 0.034, 0.021, 0.118, 0.019, 0.015);
  r->logits = floats (7, -0.2, 1.9, -1.0, -1.5, 0.2, -1.6, -1.8);
  r->has_referable = TRUE;
  r->referable = FALSE;
  r->referral_rule = g_strdup ("referable when the class is MEL, BCC or AKIEC");
  set_provenance (r, "melo-skin (fixture)");
  return r;
}

static FoveaGradeRecord *
ungradable_record (const char *path, const char *patient)
{
  FoveaGradeRecord *r = fovea_grade_record_new (path);
  r->patient_id = g_strdup (patient);
  g_free (r->eye);
  r->eye = g_strdup ("OS");
  r->modality = FOVEA_MODALITY_FUNDUS;
  r->quality.gradable = FALSE;
  r->quality.reasons = FOVEA_QUALITY_BLUR | FOVEA_QUALITY_UNDEREXPOSED;
  r->task = g_strdup ("dr-grading");
  set_provenance (r, "vit-tiny-dr (fixture)");
  return r;
}

static FoveaGradeRecord *
uncalibrated_record (void)
{
  FoveaGradeRecord *r = fovea_grade_record_new ("/data/fundus/raw-007.png");
  r->patient_id = g_strdup ("R-7");
  g_free (r->eye);
  r->eye = g_strdup ("OD");
  r->modality = FOVEA_MODALITY_FUNDUS;
  r->quality.gradable = TRUE;
  r->task = g_strdup ("backbone");
  r->calibrated = FALSE;
  r->logits = floats (3, 0.125, -2.5, 3.75);
  r->model_name = g_strdup ("tiny-token");
  r->model_sha256 = g_strdup ("aa11bb22");
  r->research_use_only = TRUE;
  return r;
}

static const FoveaReportInfo test_info = {
  .site = "Eye Clinic North",
  .operator_name = "J. Smith",
  .exam_date = "2024-05-01",
  .software_version = "9.8.7-test",
};

/* Writes, then checks text, metadata and rendering; returns the text. */
static char *
check_report (const char *pdf, const char *name, int expect_pages)
{
  g_autofree char *title = NULL;
  int pages = pdf_pages (pdf, &title);
  if (expect_pages > 0)
    g_assert_cmpint (pages, ==, expect_pages);
  g_assert_nonnull (title);
  g_assert_cmpstr (title, !=, "");
  assert_pages_render (pdf, name, pages);
  char *text = fovea_test_pdf_text (pdf);
  g_autofree char *last = g_strdup_printf ("Page %d of %d", pages, pages);
  g_autofree char *first = g_strdup_printf ("Page 1 of %d", pages);
  fovea_test_assert_contains (text, first);
  fovea_test_assert_contains (text, last);
  fovea_test_assert_contains (text, "AI-generated; requires clinician review");
  fovea_test_assert_contains (text, "9.8.7-test");
  return text;
}

static void
test_grading_referable (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "grading.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/data/fundus/patient17-od.jpg",
                                                   NASTY_PATIENT, "OD", 2);
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (400, 300, 200, 150, 130);
  float overlay[16 * 12];
  for (int i = 0; i < 16 * 12; i++)
    overlay[i] = (float) (i % 16) / 15.0f;
  g_autoptr (GError) error = NULL;
  FoveaReportInfo info = test_info;
  info.overlay_name = "Saliency (Grad-CAM)";
  g_assert_true (fovea_report_write_image (r, image, overlay, 16, 12, &info, pdf, &error));
  g_assert_no_error (error);

  g_autofree char *text = check_report (pdf, "grading", 0);
  fovea_test_assert_contains (text, NASTY_PATIENT);
  fovea_test_assert_contains (text, "2024-05-01");
  fovea_test_assert_contains (text, "OD (right eye)");
  fovea_test_assert_contains (text, "Eye Clinic North");
  fovea_test_assert_contains (text, "J. Smith");
  fovea_test_assert_contains (text, "patient17-od.jpg");
  fovea_test_assert_contains (text, "Gradable");
  fovea_test_assert_contains (text, "ICDR grade 2 — Moderate NPDR");
  fovea_test_assert_contains (text, "Referable Yes");
  fovea_test_assert_contains (text, "referable when grade ≥ 2 (moderate NPDR or worse)");
  fovea_test_assert_contains (text, "Refer to an eye-care professional");
  fovea_test_assert_contains (text, "vit-tiny-dr (fixture)");
  fovea_test_assert_contains (text, "3f2a9c0d5e1b7a4c8d6e2f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c");
  fovea_test_assert_contains (text, "Synthetic test images only (no patients)");
  fovea_test_assert_contains (text, "qwk 0.412 (held-out synthetic)");
  fovea_test_assert_contains (text, "acc 0.655 (held-out synthetic)");
  fovea_test_assert_contains (text, "RESEARCH USE ONLY");
  fovea_test_assert_contains (text, "Research on DR screening workflows; not for diagnosis");
  fovea_test_assert_contains (text, "Overlay: Saliency (Grad-CAM)");
  assert_lacks (text, "Rescreen in 12 months");
  assert_lacks (text, "Uncalibrated");

  /* Nothing but the report in the folder: no temporary file left. */
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "grading.pdf");
  g_assert_null (g_dir_read_name (listing));
  fovea_test_rmdir (dir);
}

static void
test_grading_not_referable (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "grade0.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/data/a.png", "P-1", "OS", 0);
  g_autoptr (GError) error = NULL;
  /* No image: the thumbnail box says so. */
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, NULL, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "ICDR grade 0 — No DR");
  fovea_test_assert_contains (text, "Referable No");
  fovea_test_assert_contains (text, "Rescreen in 12 months");
  fovea_test_assert_contains (text, "No image");
  fovea_test_assert_contains (text, "Page 1 of 1");
  fovea_test_assert_contains (text, FOVEA_VERSION);
  fovea_test_rmdir (dir);
}

static void
test_classification (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "skin.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = classification_record ();
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (300, 300, 150, 150, 90);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, image, NULL, 0, 0, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = check_report (pdf, "classification", 0);
  fovea_test_assert_contains (text, "D-204");
  /* A lesion class, spelt out by the card's titles, not a grade. */
  fovea_test_assert_contains (text, "Lesion class Melanocytic naevus (NV) (probability 71.2 %)");
  const char *probs[] = { "Melanoma (MEL) 8.1 %", "Melanocytic naevus (NV) 71.2 %",
                          "Basal cell carcinoma (BCC) 3.4 %", "Actinic keratosis (AKIEC) 2.1 %",
                          "Benign keratosis (BKL) 11.8 %", "Dermatofibroma (DF) 1.9 %",
                          "Vascular lesion (VASC) 1.5 %" };
  for (guint i = 0; i < G_N_ELEMENTS (probs); i++)
    fovea_test_assert_contains (text, probs[i]);
  fovea_test_assert_contains (text, "referable when the class is MEL, BCC or AKIEC");
  fovea_test_assert_contains (text, "Referable No");
  assert_lacks (text, "ICDR");
  assert_lacks (text, "eye-care");
  fovea_test_rmdir (dir);
}

static void
test_ungradable (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "ungradable.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = ungradable_record ("/data/blurred.jpg", "P-9");
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = check_report (pdf, "ungradable", 0);
  fovea_test_assert_contains (text, "Verdict Ungradable");
  fovea_test_assert_contains (text, "blurred, underexposed");
  fovea_test_assert_contains (text, "Ungradable image: no grade is given.");
  fovea_test_assert_contains (text, "Ungradable: re-image or refer");
  assert_lacks (text, "ICDR grade");
  assert_lacks (text, "Referable Yes");
  assert_lacks (text, "Referable No");
  assert_lacks (text, "Rescreen");
  fovea_test_rmdir (dir);
}

static void
test_uncalibrated (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "raw.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = uncalibrated_record ();
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = check_report (pdf, "uncalibrated", 0);
  fovea_test_assert_contains (text, "Uncalibrated raw output — no clinical interpretation");
  fovea_test_assert_contains (text, "0.125, -2.5, 3.75");
  fovea_test_assert_contains (text, "RESEARCH USE ONLY");
  assert_lacks (text, "Refer to");
  assert_lacks (text, "Rescreen");
  assert_lacks (text, "ICDR");
  assert_lacks (text, "Referable Yes");
  fovea_test_rmdir (dir);
}

static void
test_batch (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "batch.pdf", NULL);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) fovea_grade_record_free);
  guint counts[5] = { 0 };
  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *path = g_strdup_printf ("/screening/2024/img-%03u.jpg", i);
      g_autofree char *patient = g_strdup_printf ("S-%03u", i);
      if (i % 10 == 7)
        g_ptr_array_add (records, ungradable_record (path, patient));
      else if (i == 33)
        {
          FoveaGradeRecord *r = fovea_grade_record_new (path);
          r->patient_id = g_strdup (patient);
          r->error = g_strdup ("truncated JPEG file");
          g_ptr_array_add (records, r);
        }
      else
        {
          int grade = (int) (i * 7 % 5);
          counts[grade]++;
          g_ptr_array_add (records, grading_record (path, patient, i % 2 ? "OS" : "OD", grade));
        }
    }
  /* One record carries the patient string that must print literally. */
  fovea_grade_record_free (g_ptr_array_index (records, 5));
  g_ptr_array_index (records, 5) = grading_record ("/screening/2024/img-005.jpg",
                                                   NASTY_PATIENT, "OD", 4);
  counts[0 + 5 * 7 % 5]--;  /* 35 % 5 = 0: that record was grade 0 */
  counts[4]++;
  /* A second task's model: the heading names both, once each. */
  FoveaGradeRecord *other = g_ptr_array_index (records, 12);
  g_free (other->model_name);
  other->model_name = g_strdup ("second-model+referable");

  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_batch ((FoveaGradeRecord *const *) records->pdata,
                                           records->len, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = check_report (pdf, "batch", 0);
  g_autofree char *title = NULL;
  int pages = pdf_pages (pdf, &title);
  g_assert_cmpint (pages, >=, 3);
  g_assert_cmpstr (title, ==, "Fovea batch grading summary");

  fovea_test_assert_contains (text, "Counts");
  static const char *const names[] = { "No DR", "Mild NPDR", "Moderate NPDR",
                                       "Severe NPDR", "Proliferative DR" };
  for (int g = 0; g < 5; g++)
    {
      g_autofree char *row = g_strdup_printf ("Grade %d: %s %u", g, names[g], counts[g]);
      fovea_test_assert_contains (text, row);
    }
  fovea_test_assert_contains (text, "Ungradable 8");
  fovea_test_assert_contains (text, "Failed (error) 1");
  fovea_test_assert_contains (text, "Total files 80");
  fovea_test_assert_contains (text, "second-model+referable");
  /* 79 records share the first model; it is named once. */
  const char *first = strstr (text, "vit-tiny-dr (fixture)");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "vit-tiny-dr (fixture)"));
  fovea_test_assert_contains (text, "Ungradable or failed");
  fovea_test_assert_contains (text, "truncated JPEG file");
  fovea_test_assert_contains (text, NASTY_PATIENT);
  /* Every file appears in the table. */
  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *name = g_strdup_printf ("img-%03u.jpg", i);
      fovea_test_assert_contains (text, name);
    }
  fovea_test_rmdir (dir);
}

static void
test_several_images (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "two.pdf", NULL);
  g_autoptr (FoveaGradeRecord) a = grading_record ("/d/left.jpg", "P-3", "OS", 3);
  g_autoptr (FoveaGradeRecord) b = ungradable_record ("/d/right.jpg", "P-3");
  FoveaGradeRecord *records[] = { a, b };
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_images (records, NULL, 2, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = check_report (pdf, "two-images", 2);
  fovea_test_assert_contains (text, "Page 1 of 2");
  fovea_test_assert_contains (text, "Page 2 of 2");
  fovea_test_assert_contains (text, "ICDR grade 3 — Severe NPDR");
  fovea_test_assert_contains (text, "Ungradable image: no grade is given.");
  fovea_test_rmdir (dir);
}

static void
test_japanese_fields (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "ja.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/d/眼底-01.jpg", "患者-山田太郎", "OD", 1);
  const FoveaReportInfo info = { .site = "東京眼科クリニック", .operator_name = "佐藤 花子",
                                 .exam_date = "2024年5月1日" };
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, &info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "患者-山田太郎");
  fovea_test_assert_contains (text, "東京眼科クリニック");
  fovea_test_assert_contains (text, "佐藤 花子");
  fovea_test_assert_contains (text, "2024年5月1日");
  fovea_test_assert_contains (text, "眼底-01.jpg");
  fovea_test_rmdir (dir);
}

/* Issue 15, item 10: a patient ID or file name holding a bidirectional
 * override or a control character prints with them escaped, so it cannot
 * display reversed or hide text. */
static void
test_hidden_characters (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "bidi.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/d/eye\u202egpj.png", "P\u202e123\a4",
                                                    "OD", 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "P<U+202E>123<U+0007>4");
  fovea_test_assert_contains (text, "eye<U+202E>gpj.png");
  g_assert_null (strstr (text, "\u202e"));
  fovea_test_rmdir (dir);
}

/* The body ends at the footer's rule: A4 height − margin − footer + 12 (the
 * layout's constants, fovea-report-private.h). */
#define FOOTER_RULE_Y (841.890 - 48.0 - 40.0 + 12.0)

/* Words of pattern that pdftotext -bbox places across or below the
 * footer's rule: text that overprints the footer. */
static guint
count_words_over_footer (const char *pdf, const char *pattern)
{
  const char *argv[] = { "pdftotext", "-bbox", pdf, "-", NULL };
  g_autofree char *html = fovea_test_run_program (argv);
  guint n_over = 0, n_words = 0;
  for (const char *w = strstr (html, "<word "); w != NULL; w = strstr (w + 1, "<word "))
    {
      double y_min = 0, y_max = 0;
      const char *a = strstr (w, "yMin=\"");
      const char *b = strstr (w, "yMax=\"");
      const char *text = strchr (w, '>');
      g_assert_true (a != NULL && b != NULL && text != NULL);
      y_min = g_ascii_strtod (a + 6, NULL);
      y_max = g_ascii_strtod (b + 6, NULL);
      n_words++;
      const char *end = strstr (text, "</word>");
      g_autofree char *word = g_strndup (text + 1, (gsize) (end - text - 1));
      if (strstr (word, pattern) != NULL && y_max > FOOTER_RULE_Y)
        {
          g_test_message ("“%.40s…” at y %.1f–%.1f crosses the footer", word, y_min, y_max);
          n_over++;
        }
    }
  g_assert_cmpuint (n_words, >, 20);
  return n_over;
}

/* Issue 15, item 17: a 20,000-character unbreakable patient ID made a
 * 52-page report whose cell overprinted the footer. Fields from data are
 * cut with an ellipsis (the CSV keeps the whole value), the page header
 * stays one short line, and nothing crosses the footer. */
static void
test_overlong_field (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (GString) id = g_string_new (NULL);
  while (id->len < 20000)
    g_string_append (id, "Q7");
  g_autoptr (FoveaGradeRecord) r = grading_record ("/d/long.png", id->str, "OD", 1);
  g_autoptr (GError) error = NULL;

  g_autofree char *pdf = g_build_filename (dir, "long.pdf", NULL);
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, &test_info, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *title = NULL;
  int pages = pdf_pages (pdf, &title);
  g_assert_cmpint (pages, <=, 2);
  g_assert_cmpuint (strlen (title), <, 200);
  g_assert_true (g_str_has_suffix (title, "…"));
  g_assert_cmpuint (count_words_over_footer (pdf, "Q7Q7"), ==, 0);
  /* The field is cut (the elided part is not even kept in the PDF). */
  g_autofree char *text = check_report (pdf, "long", pages);
  guint n_shown = 0;
  for (const char *q = strstr (text, "Q7"); q != NULL; q = strstr (q + 2, "Q7"))
    n_shown++;
  g_assert_cmpuint (n_shown, <, 1000);

  /* The batch summary: its table and per-patient rows. */
  g_autofree char *batch = g_build_filename (dir, "long-batch.pdf", NULL);
  FoveaGradeRecord *const records[] = { r };
  g_assert_true (fovea_report_write_batch (records, 1, &test_info, batch, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pdf_pages (batch, NULL), <=, 2);
  g_assert_cmpuint (count_words_over_footer (batch, "Q7Q7"), ==, 0);
  fovea_test_rmdir (dir);
}

/* The report's own wording in German and Japanese, from the build's .mo
 * files (build/po/LANG/LC_MESSAGES/fovea.mo). */
static void
check_language (const char *language, const char *const *expected)
{
  if (!fovea_test_have_poppler ())
    return;
  const char *po_dir = g_getenv ("FOVEA_TEST_LOCALEDIR");
  if (po_dir == NULL)
    {
      g_test_skip ("FOVEA_TEST_LOCALEDIR not set (run through meson test)");
      return;
    }
  g_autofree char *mo = g_build_filename (po_dir, language, "LC_MESSAGES", "fovea.mo", NULL);
  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("%s not built", mo);
      g_test_skip (message);
      return;
    }
  g_autofree char *old_language = g_strdup (g_getenv ("LANGUAGE"));
  g_autofree char *old_locale = g_strdup (setlocale (LC_ALL, NULL));
  g_setenv ("LANGUAGE", language, TRUE);
  if (setlocale (LC_ALL, "C.UTF-8") == NULL)
    {
      g_test_skip ("no C.UTF-8 locale");
      return;
    }
  bindtextdomain ("fovea", po_dir);
  bind_textdomain_codeset ("fovea", "UTF-8");
  /* And drops its cached translations when the text domain is set. */
  textdomain (textdomain (NULL));

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "lang.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/d/a.jpg", "P-5", "OD", 2);
  g_autoptr (GError) error = NULL;
  gboolean ok = fovea_report_write_image (r, NULL, NULL, 0, 0, &test_info, pdf, &error);

  if (old_language != NULL)
    g_setenv ("LANGUAGE", old_language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, old_locale);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  for (guint i = 0; expected[i]; i++)
    fovea_test_assert_contains (text, expected[i]);
  assert_lacks (text, "Recommendation");
  g_autofree char *png_name = g_strdup_printf ("lang-%s", language);
  assert_pages_render (pdf, png_name, pdf_pages (pdf, NULL));
  fovea_test_rmdir (dir);
}

static void
test_german (void)
{
  const char *expected[] = { "KI-generiert; ärztliche Prüfung erforderlich",
                             "Überweisung an eine augenärztliche Fachkraft",
                             "Seite 1 von 1", NULL };
  check_language ("de", expected);
}

static void
test_japanese (void)
{
  const char *expected[] = { "AI生成", "1 / 1 ページ", "眼科専門医に紹介", NULL };
  check_language ("ja", expected);
}

static void
test_unwritable (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (FoveaGradeRecord) r = grading_record ("/d/a.jpg", "P-5", "OD", 2);

  /* A folder that does not exist. */
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "r.pdf", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (fovea_report_write_image (r, NULL, NULL, 0, 0, NULL, missing, &error));
  g_assert_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "no-such-folder"));
  g_clear_error (&error);

  /* The target is a folder: rendering succeeds, the rename fails, and the
   * temporary file must be gone. */
  g_autofree char *taken = g_build_filename (dir, "taken.pdf", NULL);
  g_assert_cmpint (g_mkdir (taken, 0755), ==, 0);
  g_autofree char *inside = g_build_filename (taken, "x", NULL);
  g_assert_true (g_file_set_contents (inside, "x", 1, NULL));
  g_assert_false (fovea_report_write_image (r, NULL, NULL, 0, 0, NULL, taken, &error));
  g_assert_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_WRITE);
  g_clear_error (&error);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "taken.pdf");
  g_assert_null (g_dir_read_name (listing));

  /* Rewriting an existing report replaces it whole. */
  g_autofree char *good = g_build_filename (dir, "good.pdf", NULL);
  g_assert_true (g_file_set_contents (good, "%PDF-old", -1, NULL));
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, NULL, good, &error));
  g_assert_no_error (error);
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (good, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF-1."));
  fovea_test_rmdir (dir);
}

/* A model without figures on held-out photographs (a demo trained on
 * thumbnails) never recommends anything: not even for a grade 0 eye. */
static void
test_not_validated (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "demo.pdf", NULL);
  g_autoptr (FoveaGradeRecord) r = grading_record ("/data/a.png", "P-1", "OS", 0);
  r->validated = FALSE;
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_image (r, NULL, NULL, 0, 0, NULL, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "No recommendation: the model has no figures measured on");
  assert_lacks (text, "Rescreen");
  assert_lacks (text, "Refer to");
  fovea_test_rmdir (dir);
}

/* One image, several tasks: a page whose own task does not refer must not
 * recommend rescreening when another validated task refers the image. */
static void
test_one_image_one_decision (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *pdf = g_build_filename (dir, "tasks.pdf", NULL);
  g_autoptr (FoveaGradeRecord) grade = grading_record ("/data/a.png", "P-1", "OS", 3);
  g_autoptr (FoveaGradeRecord) dme = grading_record ("/data/a.png", "P-1", "OS", 0);
  g_free (dme->task);
  dme->task = g_strdup ("dme");
  FoveaGradeRecord *const records[] = { dme, grade };
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_report_write_images (records, NULL, 2, NULL, pdf, &error));
  g_assert_no_error (error);
  g_autofree char *text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "Refer to an eye-care professional (this task: not referable;");
  assert_lacks (text, "Rescreen");

  /* Alone, the same not-referable record keeps its own recommendation. */
  g_assert_true (fovea_report_write_images (records, NULL, 1, NULL, pdf, &error));
  g_free (text);
  text = fovea_test_pdf_text (pdf);
  fovea_test_assert_contains (text, "Rescreen in 12 months");
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_unsetenv ("LANGUAGE");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/grading-referable", test_grading_referable);
  g_test_add_func ("/report/grading-not-referable", test_grading_not_referable);
  g_test_add_func ("/report/not-validated", test_not_validated);
  g_test_add_func ("/report/one-image-one-decision", test_one_image_one_decision);
  g_test_add_func ("/report/classification", test_classification);
  g_test_add_func ("/report/ungradable", test_ungradable);
  g_test_add_func ("/report/uncalibrated", test_uncalibrated);
  g_test_add_func ("/report/several-images", test_several_images);
  g_test_add_func ("/report/batch", test_batch);
  g_test_add_func ("/report/japanese-fields", test_japanese_fields);
  g_test_add_func ("/report/hidden-characters", test_hidden_characters);
  g_test_add_func ("/report/overlong-field", test_overlong_field);
  g_test_add_func ("/report/german", test_german);
  g_test_add_func ("/report/japanese", test_japanese);
  g_test_add_func ("/report/unwritable", test_unwritable);
  return g_test_run ();
}
