/** The CSS and page shell every gameday HTML page shares (drill report, trend page): one look, written once. */
export const BASE_STYLE = `
:root { --pass: #15803d; --fail: #dc2626; --aborted: #d97706; --error: #7c3aed; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: #f8fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 18px 0 6px; }
.meta, .facts { color: var(--muted); margin: 4px 0 0; }
`;

/**
 * A whole self-contained page around `content` (the lines inside <main>). Nothing may load from elsewhere:
 * the page is a document, not an application.
 */
export function htmlPage(title: string, style: string, content: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${title}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body><main>',
    ...content,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
