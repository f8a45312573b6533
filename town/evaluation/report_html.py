"""The report as one self-contained HTML page, from its markdown: headings, paragraphs, tables, figures with titles.

Only the few marks the report writes are understood (tables, `![title](file)` figures, links, bold and italics), so the
page needs no markdown library and shows no stray symbols.
"""

from __future__ import annotations

import html
import re


def _inline(text: str) -> str:
    """Escape, then the few inline marks the report uses: links, bold, italics."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"(?<![\w*])\*([^*]+?)\*(?![\w*])", r"<i>\1</i>", out)


def page(markdown: str) -> str:
    """The markdown as a self-contained page: headings, paragraphs, tables, and each figure with its title."""
    body: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if table:
            head, *rows = table
            body.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>")
            body.extend("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows)
            body.append("</table>")
            table.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                table.append(cells)
            continue
        flush_table()
        image = re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", line)
        if image:
            title, name = html.escape(image.group(1)), html.escape(image.group(2))
            body.append(f'<figure><img src="{name}" alt="{title}"><figcaption>{title}</figcaption></figure>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line.lstrip('# '))}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<p>• {_inline(line[2:])}</p>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    flush_table()
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222;line-height:1.45}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px}"
        "th{background:#f3f3f3;text-align:left}img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}"
        "figcaption{font-weight:bold;margin-top:.3em}"
    )
    head = f"<head><meta charset='utf-8'><title>Town evaluation</title><style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(body)}</body></html>\n"
