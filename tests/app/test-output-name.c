/* test-output-name.c: every generated output name is built from parts
 * that pass through one sanitiser (issue 15, item 8): no part adds a
 * folder, climbs out of the output folder, is hidden or empty, holds a
 * control or bidirectional character, or overflows a file name. */
#include <string.h>

#include "fovea-output-name.h"
#include "fovea-visible-text.h"

static void
assert_part (const char *text, const char *expected)
{
  g_autofree char *part = fovea_output_name_part (text);
  g_assert_cmpstr (part, ==, expected);
}

static void
test_unsafe_parts (void)
{
  assert_part ("dr-grading", "dr-grading");
  assert_part ("x/../../escaped", "x_.._.._escaped");
  assert_part ("..", "_.");
  assert_part (".hidden", "_hidden");
  assert_part ("a\\b", "a_b");
  assert_part ("", "_");
  assert_part (NULL, "_");
  assert_part ("line\nbreak\t", "line_break_");
  assert_part ("P\u202e1gpj.exe", "P_1gpj.exe");
  assert_part ("caf\xc3\xa9", "caf\xc3\xa9");
  assert_part ("raw\xff", "raw_");
}

static void
test_long_part (void)
{
  /* 200 two-byte characters: cut at a character boundary, within 120 bytes. */
  g_autoptr (GString) long_text = g_string_new (NULL);
  for (int i = 0; i < 200; i++)
    g_string_append (long_text, "\xc3\xa9");
  g_autofree char *part = fovea_output_name_part (long_text->str);
  g_assert_cmpuint (strlen (part), ==, 120);
  g_assert_true (g_utf8_validate (part, -1, NULL));
}

/* Issue 15, item 10: what reports and the window show. */
static void
test_visible_text (void)
{
  const struct {
    const char           *text;
    FoveaVisibleTextFlags flags;
    const char           *shown;
  } cases[] = {
    { "P\u202e123", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "P<U+202E>123" },
    { "a\u2066b\u2069", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "a<U+2066>b<U+2069>" },
    { "bell\a", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "bell<U+0007>" },
    { "two\nlines", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "two<U+000A>lines" },
    { "two\nlines", FOVEA_VISIBLE_TEXT_KEEP_NEWLINES, "two\nlines" },
    { "c1\xc2\x85", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "c1<U+0085>" },
    { "raw\xff", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "raw\xef\xbf\xbd" },
    { "患者-山田", FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "患者-山田" },
    { NULL, FOVEA_VISIBLE_TEXT_ESCAPE_ALL, "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = fovea_visible_text (cases[i].text, cases[i].flags);
      g_assert_cmpstr (shown, ==, cases[i].shown);
      /* Escaping what is shown changes nothing. */
      g_autofree char *again = fovea_visible_text (shown, cases[i].flags);
      g_assert_cmpstr (again, ==, shown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/output-name/unsafe-parts", test_unsafe_parts);
  g_test_add_func ("/output-name/long-part", test_long_part);
  g_test_add_func ("/visible-text", test_visible_text);
  return g_test_run ();
}
