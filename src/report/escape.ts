/**
 * Escaping for markup. Experiment titles, descriptions, runbook paths and error messages are user input:
 * everything that goes into XML or HTML passes through here.
 */

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Characters XML 1.0 cannot carry at all, not even as character references: C0 controls other than tab,
 * newline and carriage return, lone surrogates, U+FFFE and U+FFFF. A kubelet log line or a terminal
 * colour code in an error message would otherwise make the whole report unparsable.
 */

const XML_INVALID =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces what XML cannot hold with U+FFFD so the text stays visible as "something was here". */
export function stripInvalidXmlChars(text: string): string {
  return text.replace(XML_INVALID, '\uFFFD');
}

/** Text content and attribute values of HTML and XML alike (quotes are escaped too, so it is safe in both). */
export function escapeMarkup(text: string): string {
  return stripInvalidXmlChars(text).replace(/[&<>"']/g, (c) => TEXT_ENTITIES[c] ?? c);
}

/**
 * Attribute values in XML: parsers normalise a literal newline or tab in an attribute to a space, so they
 * are written as character references to survive (a multi-line failure message stays multi-line).
 */
export function escapeXmlAttribute(text: string): string {
  return escapeMarkup(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
