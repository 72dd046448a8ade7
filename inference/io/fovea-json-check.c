/* fovea-json-check.c: the lexical pass that makes json-glib safe on
 * untrusted input (see the header for why). */
#define G_LOG_DOMAIN "fovea-json-check"

#include "fovea-json-check.h"

#include <string.h>

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* Advances *i past the string starting at text[*i] == '"'. */
static const char *
skip_string (const char *text, gsize length, gsize *i)
{
  gsize j = *i + 1;
  while (j < length)
    {
      guchar c = (guchar) text[j];
      if (c == '"')
        {
          *i = j + 1;
          return NULL;
        }
      if (c < 0x20)
        return "a control character inside a string";
      /* An escape takes the next character with it, so \" does not end
       * the string; \uXXXX's hex digits are ordinary characters. */
      j += c == '\\' ? 2 : 1;
    }
  return "an unterminated string";
}

static gsize
skip_digits (const char *text, gsize length, gsize j)
{
  while (j < length && is_digit (text[j]))
    j++;
  return j;
}

/* Advances *i past the number starting at text[*i] ('-' or a digit). */
static const char *
skip_number (const char *text, gsize length, gsize *i)
{
  gsize j = *i;
  if (text[j] == '-')
    j++;
  gsize int_start = j;
  j = skip_digits (text, length, j);
  gsize n_int = j - int_start;
  if (n_int == 0)
    return "a minus sign without digits";
  if (n_int > 1 && text[int_start] == '0')
    return "a number with a leading zero";
  if (n_int > FOVEA_JSON_MAX_INT_DIGITS)
    return "a number too large to read exactly";
  if (j < length && text[j] == '.')
    {
      gsize frac_start = j + 1;
      j = skip_digits (text, length, frac_start);
      if (j == frac_start)
        return "a decimal point without digits after it";
    }
  if (j < length && (text[j] == 'e' || text[j] == 'E'))
    {
      j++;
      if (j < length && (text[j] == '+' || text[j] == '-'))
        j++;
      gsize exp_start = j;
      j = skip_digits (text, length, exp_start);
      if (j == exp_start)
        return "an exponent without digits";
    }
  *i = j;
  return NULL;
}

/* Advances *i past true, false or null. */
static const char *
skip_word (const char *text, gsize length, gsize *i)
{
  static const char *const words[] = { "true", "false", "null" };
  gsize j = *i;
  while (j < length && text[j] >= 'a' && text[j] <= 'z')
    j++;
  for (gsize w = 0; w < G_N_ELEMENTS (words); w++)
    {
      if (j - *i == strlen (words[w]) && memcmp (text + *i, words[w], j - *i) == 0)
        {
          *i = j;
          return NULL;
        }
    }
  return "a word other than true, false or null";
}

gboolean
fovea_json_check_text (const char *text,
                       gsize       length,
                       guint       max_depth,
                       const char *what,
                       GQuark      domain,
                       int         code,
                       GError    **error)
{
  guint depth = 0;
  gboolean complete = FALSE;  /* the top-level value has ended */
  gsize i = 0;
  while (i < length)
    {
      char c = text[i];
      gsize at = i;
      const char *problem = NULL;
      if (is_space (c))
        {
          i++;
          continue;
        }
      if (complete)
        problem = "text after the end of the JSON value";
      else if (c == '{' || c == '[')
        {
          if (++depth > max_depth)
            {
              g_set_error (error, domain, code,
                           "%s: JSON nested deeper than %u levels at byte %" G_GSIZE_FORMAT,
                           what, max_depth, at);
              return FALSE;
            }
          i++;
        }
      else if (c == '}' || c == ']')
        {
          if (depth == 0)
            problem = "a closing bracket without an opening one";
          else
            depth--;
          i++;
        }
      else if (c == ':' || c == ',')
        i++;
      else if (c == '"')
        problem = skip_string (text, length, &i);
      else if (c == '-' || is_digit (c))
        problem = skip_number (text, length, &i);
      else if (c >= 'a' && c <= 'z')
        problem = skip_word (text, length, &i);
      else
        problem = "a character that is not JSON";

      if (problem != NULL)
        {
          g_set_error (error, domain, code, "%s: invalid JSON: %s at byte %" G_GSIZE_FORMAT,
                       what, problem, at);
          return FALSE;
        }
      complete = depth == 0;
    }
  return TRUE;
}
