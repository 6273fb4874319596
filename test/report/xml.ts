/**
 * A minimal, strict XML 1.0 reader for tests: enough to prove a report is well-formed (one root, matched
 * tags, quoted unique attributes, known entities, no characters XML forbids) and to read it back. It is a
 * character scanner, not a regular expression, and it throws at the first violation with the offset.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: (XmlElement | string)[];
}

export class XmlError extends Error {}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function isNameStart(c: string): boolean {
  return /[A-Za-z_:]/.test(c) || c.charCodeAt(0) > 0x7f;
}

function isNameChar(c: string): boolean {
  return isNameStart(c) || /[0-9.-]/.test(c);
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new XmlError(`${what} at offset ${this.pos}: ${JSON.stringify(this.text.slice(this.pos, this.pos + 30))}`);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  expect(s: string): void {
    if (!this.startsWith(s)) this.fail(`expected ${JSON.stringify(s)}`);
    this.pos += s.length;
  }
  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos] ?? '')) this.pos++;
  }
  name(): string {
    const start = this.pos;
    if (!isNameStart(this.text[this.pos] ?? '')) this.fail('expected a name');
    while (this.pos < this.text.length && isNameChar(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }
  /** After '&': a predefined entity or a character reference, decoded. */
  reference(): string {
    const end = this.text.indexOf(';', this.pos);
    if (end === -1) this.fail('unterminated reference');
    const body = this.text.slice(this.pos, end);
    let out: string;
    if (body.startsWith('#x')) {
      if (!/^#x[0-9A-Fa-f]+$/.test(body)) this.fail('bad character reference');
      out = this.charRef(parseInt(body.slice(2), 16));
    } else if (body.startsWith('#')) {
      if (!/^#[0-9]+$/.test(body)) this.fail('bad character reference');
      out = this.charRef(parseInt(body.slice(1), 10));
    } else {
      const v = PREDEFINED[body];
      if (v === undefined) this.fail(`undefined entity &${body};`);
      out = v;
    }
    this.pos = end + 1;
    return out;
  }
  charRef(cp: number): string {
    if (!isXmlChar(cp)) this.fail(`character reference to a character XML forbids (${cp})`);
    return String.fromCodePoint(cp);
  }
  /** Up to and including `end`, for comments, processing instructions and CDATA. */
  until(end: string): string {
    const i = this.text.indexOf(end, this.pos);
    if (i === -1) this.fail(`missing ${JSON.stringify(end)}`);
    const body = this.text.slice(this.pos, i);
    this.pos = i + end.length;
    return body;
  }
  misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) {
        this.pos += 4;
        if (this.until('-->').includes('--')) this.fail('"--" inside a comment');
      } else if (this.startsWith('<?')) {
        this.pos += 2;
        if (this.name().toLowerCase() === 'xml') this.fail('XML declaration not at the start');
        this.until('?>');
      } else return;
    }
  }
  attrValue(): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail('attribute value not quoted');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated attribute value');
      if (c === quote) break;
      if (c === '<') this.fail('"<" in an attribute value');
      if (c === '&') {
        this.pos++;
        out += this.reference();
        continue;
      }
      // Attribute-value normalisation: literal whitespace becomes a space.
      out += c === '\t' || c === '\n' || c === '\r' ? ' ' : c;
      this.pos++;
    }
    this.pos++;
    return out;
  }
  element(): XmlElement {
    this.expect('<');
    const el: XmlElement = { name: this.name(), attrs: {}, children: [] };
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return el;
      }
      if (this.startsWith('>')) {
        this.pos++;
        break;
      }
      if (this.pos === before) this.fail('expected whitespace before an attribute');
      const attr = this.name();
      if (Object.hasOwn(el.attrs, attr)) this.fail(`duplicate attribute ${attr}`);
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      el.attrs[attr] = this.attrValue();
    }
    let text = '';
    const flush = (): void => {
      if (text !== '') el.children.push(text);
      text = '';
    };
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail(`unclosed <${el.name}>`);
      if (this.startsWith('</')) {
        this.pos += 2;
        const closing = this.name();
        if (closing !== el.name) this.fail(`</${closing}> closes <${el.name}>`);
        this.skipSpace();
        this.expect('>');
        flush();
        return el;
      }
      if (this.startsWith('<![CDATA[')) {
        this.pos += 9;
        text += this.until(']]>');
      } else if (this.startsWith('<!--')) {
        this.pos += 4;
        this.until('-->');
      } else if (this.startsWith('<?')) {
        this.pos += 2;
        this.until('?>');
      } else if (c === '<') {
        flush();
        el.children.push(this.element());
      } else if (c === '&') {
        this.pos++;
        text += this.reference();
      } else {
        if (this.startsWith(']]>')) this.fail('"]]>" in text');
        text += c;
        this.pos++;
      }
    }
  }
}

export function parseXml(text: string): XmlElement {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (!isXmlChar(cp)) throw new XmlError(`character U+${cp.toString(16).padStart(4, '0')} is not allowed in XML`);
  }
  const s = new Scanner(text);
  if (s.startsWith('<?xml')) {
    s.pos += 5;
    const decl = s.until('?>');
    if (!/encoding="UTF-8"/i.test(decl)) s.fail('declaration without encoding="UTF-8"');
  }
  s.misc();
  const root = s.element();
  s.misc();
  if (s.pos !== text.length) s.fail('content after the root element');
  return root;
}

export function childElements(el: XmlElement, name?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name));
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
