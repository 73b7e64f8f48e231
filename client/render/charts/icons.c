/* SPDX-License-Identifier: MIT
 * Making Data Count's variation and assurance icons, small and inline.
 * Colour follows MDC (blue improvement, orange concern, grey common
 * cause); the badge's shape (circle for improvement or passing, square
 * for concern or failing) and its letter (H or L: special cause high or
 * low; P, F, ?: passing, failing, hit and miss) carry the same meaning for
 * readers who cannot tell the colours apart, and in black-and-white print.
 */
#include <stdio.h>

#include "draw.h"

#define ICON 26

const char *
render_variation_words(int v)
{
	switch (v) {
	case RENDER_VAR_COMMON:
		return "Common cause variation";
	case RENDER_VAR_IMPROVE_HIGH:
		return "Special cause: improvement (high values)";
	case RENDER_VAR_IMPROVE_LOW:
		return "Special cause: improvement (low values)";
	case RENDER_VAR_CONCERN_HIGH:
		return "Special cause: concern (high values)";
	case RENDER_VAR_CONCERN_LOW:
		return "Special cause: concern (low values)";
	case RENDER_VAR_NEITHER_HIGH:
		return "Special cause: high values (no direction set)";
	case RENDER_VAR_NEITHER_LOW:
		return "Special cause: low values (no direction set)";
	default:
		return "No variation icon (too few points)";
	}
}

const char *
render_assurance_words(int a)
{
	switch (a) {
	case RENDER_ASSURE_PASS:
		return "Consistently passing the target";
	case RENDER_ASSURE_FAIL:
		return "Consistently failing the target";
	case RENDER_ASSURE_HIT_AND_MISS:
		return "Hit and miss: the target is within the limits";
	default:
		return "No assurance icon (no target, or too few points)";
	}
}

/* One badge: shape 0 circle, 1 square, 2 dashed circle (no direction),
 * 3 none (a dash). */
static int
badge(FILE *f, const char *words, int shape, const char *colour,
      const char *letter)
{
	draw_out(f,
	         "<svg class=\"icon\" role=\"img\" width=\"%d\" height=\"%d\" "
	         "viewBox=\"0 0 %d %d\"><title>%e</title>",
	         ICON, ICON, ICON, ICON, words);
	switch (shape) {
	case 0:
		draw_out(
		    f, "<circle cx=\"13\" cy=\"13\" r=\"11.5\" fill=\"%s\"/>",
		    colour);
		break;
	case 1:
		draw_out(f,
		         "<rect x=\"2\" y=\"2\" width=\"22\" height=\"22\" "
		         "rx=\"2\" fill=\"%s\"/>",
		         colour);
		break;
	case 2:
		draw_out(f,
		         "<circle cx=\"13\" cy=\"13\" r=\"11\" fill=\"%s\" "
		         "stroke=\"#222222\" stroke-width=\"1.5\" "
		         "stroke-dasharray=\"3 2\"/>",
		         colour);
		break;
	default:
		draw_out(f,
		         "<line x1=\"8\" y1=\"13\" x2=\"18\" y2=\"13\" "
		         "stroke=\"#9a9a9a\" stroke-width=\"2\"/>");
		break;
	}
	if (letter != NULL) {
		draw_out(f,
		         "<text x=\"13\" y=\"17.5\" text-anchor=\"middle\" "
		         "font-family=\"" FONT "\" font-size=\"13\" "
		         "font-weight=\"bold\" fill=\"#ffffff\">%e</text>",
		         letter);
	}
	draw_out(f, "</svg>");
	return ferror(f) ? TD_EIO : 0;
}

int
render_variation_icon(FILE *f, int v)
{
	const char *w = render_variation_words(v);
	switch (v) {
	case RENDER_VAR_COMMON:
		/* A wave: common cause has no letter, it has its own shape. */
		draw_out(
		    f,
		    "<svg class=\"icon\" role=\"img\" width=\"%d\" "
		    "height=\"%d\" viewBox=\"0 0 %d %d\"><title>%e</title>"
		    "<circle cx=\"13\" cy=\"13\" r=\"11.5\" "
		    "fill=\"#7f7f7f\"/><path d=\"M6 14q3.5 -6 7 0t7 0\" "
		    "fill=\"none\" stroke=\"#ffffff\" stroke-width=\"2\"/>"
		    "</svg>",
		    ICON, ICON, ICON, ICON, w);
		return ferror(f) ? TD_EIO : 0;
	case RENDER_VAR_IMPROVE_HIGH:
		return badge(f, w, 0, C_IMPROVE, "H");
	case RENDER_VAR_IMPROVE_LOW:
		return badge(f, w, 0, C_IMPROVE, "L");
	case RENDER_VAR_CONCERN_HIGH:
		return badge(f, w, 1, C_CONCERN, "H");
	case RENDER_VAR_CONCERN_LOW:
		return badge(f, w, 1, C_CONCERN, "L");
	case RENDER_VAR_NEITHER_HIGH:
		return badge(f, w, 2, C_NEUTRAL, "H");
	case RENDER_VAR_NEITHER_LOW:
		return badge(f, w, 2, C_NEUTRAL, "L");
	default:
		return badge(f, w, 3, NULL, NULL);
	}
}

int
render_assurance_icon(FILE *f, int a)
{
	const char *w = render_assurance_words(a);
	switch (a) {
	case RENDER_ASSURE_PASS:
		return badge(f, w, 0, C_IMPROVE, "P");
	case RENDER_ASSURE_FAIL:
		return badge(f, w, 1, C_CONCERN, "F");
	case RENDER_ASSURE_HIT_AND_MISS:
		return badge(f, w, 0, "#7f7f7f", "?");
	default:
		return badge(f, w, 3, NULL, NULL);
	}
}
