/* SPDX-License-Identifier: MIT
 * The HTML page around the charts: one self-contained document (inline
 * CSS, no script, a Content-Security-Policy that lets nothing be fetched)
 * that reads on a screen from 1280 px down to a phone and prints on A4 and
 * Letter alike.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"

/* Page margins that fit both A4 (210 mm) and Letter (216 mm) wide: the
 * printable width is then at most 182 mm, about 688 CSS px, and the
 * layout below is checked at that width. */
static const char css[]
    = ":root{--ink:#222;--muted:#595959;--rule:#d9d9d9;--imp:#0072b2;"
      "--con:#d55e00}\n"
      "*{box-sizing:border-box}\n"
      "html{-webkit-text-size-adjust:100%}\n"
      "body{font-family:'DejaVu Sans',Verdana,Arial,Helvetica,sans-serif;"
      "color:var(--ink);margin:0 auto;padding:16px 20px;max-width:1000px;"
      "line-height:1.4;font-size:15px;overflow-wrap:break-word}\n"
      "h1{font-size:1.7em;margin:.2em 0}\n"
      "h2{font-size:1.35em;border-bottom:2px solid var(--rule);"
      "padding-bottom:.15em;margin-top:1.6em}\n"
      "h3{font-size:1.1em;margin:1.2em 0 .4em}\n"
      "p.meta,.muted{color:var(--muted)}\n"
      "small.code{color:var(--muted);font-size:.78em;font-weight:normal;"
      "font-family:'DejaVu Sans Mono',monospace}\n"
      "svg.chart{display:block;width:100%;max-width:900px;height:auto;"
      "margin:.4em 0}\n"
      "svg.icon{vertical-align:middle;width:22px;height:22px}\n"
      "figure{margin:.6em 0 1em}\n"
      "figcaption{color:var(--muted);font-size:.9em}\n"
      "details{margin:.3em 0 1em}\n"
      "summary{cursor:pointer;color:var(--muted)}\n"
      "table{border-collapse:collapse;width:100%;font-size:.82em;"
      "margin:.4em 0}\n"
      "th,td{border-bottom:1px solid var(--rule);padding:2px 5px;"
      "text-align:left;vertical-align:top}\n"
      "th{background:#f3f3f3}\n"
      "td.n{text-align:right;font-variant-numeric:tabular-nums;"
      "white-space:nowrap}\n"
      "table.matrix td,table.matrix th{text-align:center;padding:1px 2px}"
      "\ntable.matrix td.name,table.matrix th.name{text-align:left;"
      "min-width:9.5em}\n"
      "ul.findings li{margin:.25em 0}\n"
      ".imp{color:var(--imp);font-weight:bold}\n"
      ".con{color:var(--con);font-weight:bold}\n"
      ".note{background:#f6f6f6;border-left:4px solid #9a9a9a;"
      "padding:.4em .7em}\n"
      ".legend span{display:inline-block;margin-right:1.2em}\n"
      "@media print{body{max-width:none;padding:0;font-size:10.5pt}"
      "h2{break-before:page}h2.first{break-before:auto}"
      "figure,svg,table.matrix tr{break-inside:avoid}"
      "summary{display:none}}\n"
      "@page{margin:14mm 14mm}\n";

void
render_html_text(FILE *f, const char *s)
{
	draw_esc(f, s);
}

void
render_html(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	draw_vout(f, fmt, ap);
	va_end(ap);
}

void
render_html_open(FILE *f, const char *title, const char *lang)
{
	render_html(f,
	            "<!DOCTYPE html>\n<html lang=\"%e\">\n<head>\n"
	            "<meta charset=\"utf-8\">\n"
	            "<meta http-equiv=\"Content-Security-Policy\" "
	            "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	            "img-src data:\">\n"
	            "<meta name=\"viewport\" content=\"width=device-width, "
	            "initial-scale=1\">\n"
	            "<meta name=\"referrer\" content=\"no-referrer\">\n"
	            "<title>%e</title>\n<style>\n%s</style>\n</head>\n<body>\n"
	            "<h1>%e</h1>\n",
	            lang != NULL ? lang : "en", title, css, title);
}

int
render_html_close(FILE *f)
{
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? TD_EIO : 0;
}
