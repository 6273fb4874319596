/** Longest part of a value a message quotes: enough to recognise it, never the whole of a huge one. */
export const QUOTE_LIMIT = 80;

/**
 * A string as a message quotes it: in double quotes with JSON escapes, cut at QUOTE_LIMIT characters with
 * its full length said, so a 10 MB value costs one line of output: `"aaaa…" (10485760 characters)`.
 */
export function quoteText(text: string, limit = QUOTE_LIMIT): string {
  if (text.length <= limit) return visible(text);
  // Do not cut a surrogate pair in two.
  const end = /[\uD800-\uDBFF]/.test(text[limit - 1] ?? '') ? limit - 1 : limit;
  return `${visible(text.slice(0, end))}… (${text.length} characters)`;
}

/**
 * JSON.stringify, with the characters a terminal would act on or hide written as escapes too: controls,
 * bidirectional overrides (which make a message read backwards) and zero-width characters.
 */
function visible(text: string): string {
  return JSON.stringify(text).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
