/* SPDX-License-Identifier: MIT
 * From analysis answers to pictures: the glue between the wire's messages
 * and the rendering module, shared by `tandem analyze … --svg` and
 * `tandem report`, so a chart says the same in both: names instead of
 * codes, the measure's unit and direction, real dates, signals in words.
 */
#ifndef TANDEM_REPORT_FIGURES_H
#define TANDEM_REPORT_FIGURES_H

#include <stdbool.h>
#include <stdio.h>

#include "render.h"
#include "tandem/tandem.h"

/* What the registry says about a measure (or a survey construct). */
typedef struct figure_measure {
	char   code[160];
	char   name[256]; /* the code when the registry has no name */
	char   unit[64]; /* percent, proportion, scale_score, count, … */
	int    direction; /* enum render_direction */
	double target; /* NaN: none */
} figure_measure;

/* figure_measure_from fills m for code from a ListInstruments answer
 * (may be NULL: the code is all there is). A survey key
 * "survey:S/C:mean|favourable" is named after its survey and construct. */
void figure_measure_from(figure_measure *m, const char *code,
                         const Tandem__V1__ListInstrumentsResponse *reg);

/* figure_measure_fetch asks the registry (ListInstruments) for code; on a
 * failed call m still names the code and the call's status is in st. */
int figure_measure_fetch(td_client *c, const char *code, figure_measure *m,
                         td_status *st) __attribute__((warn_unused_result));

/* "Average daily attendance (%)": the name with the unit's words. */
void figure_axis_label(const figure_measure *m, char *buf, size_t size);
/* "percent" -> "%", "scale_score" -> "scale score", … ("" when none). */
const char *figure_unit_words(const char *unit);

/* Names of schools (and districts), looked up by code. */
typedef struct figure_names {
	size_t       n;
	const char **codes, **names, **districts;
} figure_names;

/* figure_names_from builds a lookup from a ListSchools answer (borrowed:
 * the answer must outlive it). figure_names_free frees the arrays. */
int figure_names_from(figure_names                          *nm,
                      const Tandem__V1__ListSchoolsResponse *r)
    __attribute__((warn_unused_result));
void figure_names_free(figure_names *nm);
/* figure_name: the school's name, or the code when it is unknown. */
const char *figure_name(const figure_names *nm, const char *code);

/* figure_centre_known: per point, whether its centre means something (a
 * segment whose points are all suppressed has none, though the wire
 * carries 0). malloc'd n flags, or NULL when out of memory. */
bool *figure_centre_known(const Tandem__V1__Series *s, const char *split_at);

/* figure_signal_words names signal g of series s in words ("Shift: 10
 * months above the median, Sep 2024 – Jun 2025"); *no_side is set for a
 * signal that has no side (too few crossings). */
void figure_signal_words(const Tandem__V1__Series *s,
                         const Tandem__V1__Signal *g, const char *centre_word,
                         const char *grain_plural, char *buf, size_t size,
                         int *no_side);

/* "Sep 2024" for a point's period start, else its period label. */
void figure_period_words(const Tandem__V1__Point *p, char *buf, size_t size);

/* Words for a grain: "month"/"months". */
const char *figure_grain_word(int grain, bool plural);

/* A series chart of s. title and subtitle are the caller's; the y axis,
 * dates, target, centre name and signal words come from m and s. */
typedef struct figure_series_opts {
	const char        *title, *subtitle, *desc;
	int                grain; /* Tandem__V1__Grain */
	bool               control; /* centre is a mean and limits are drawn */
	const char        *chart; /* "run", "i", "mr", … */
	const char        *split_at;
	bool               baseline; /* mark the frozen baseline */
	bool               inline_svg;
	size_t             n_spans; /* PDSA cycles drawn as spans */
	const render_span *spans;
} figure_series_opts;

/* figure_pdsa_spans: the cycles of r that belong on a chart of unit
 * ("network": the network's cycles; a school code: that school's and the
 * network's), as spans labelled "CODE: change idea" (cut to fit). labels
 * holds n rows of 96 bytes; returns how many spans were written. */
size_t figure_pdsa_spans(const Tandem__V1__ListPdsaCyclesResponse *r,
                         const char *unit, render_span *spans,
                         char (*labels)[96], size_t     n);

int figure_series(FILE *f, const figure_measure *m,
                  const Tandem__V1__Series *s, const figure_series_opts *o)
    __attribute__((warn_unused_result));

/* Small multiples of every series of r (schools), names from nm. */
int figure_multiples(FILE *f, const figure_measure *m,
                     const Tandem__V1__SeriesResponse *r,
                     const figure_names *nm, const figure_series_opts *o)
    __attribute__((warn_unused_result));

/* The positive-deviance scatter of r's rows (names from nm, may be NULL). */
int figure_deviance(FILE *f, const figure_measure *m,
                    const Tandem__V1__PositiveDevianceResponse *r,
                    const figure_names *nm, double threshold, bool inline_svg)
    __attribute__((warn_unused_result));

/* The cost-effectiveness plane of r; names[i] labels rows[i] (NULL: the
 * activity codes). */
int figure_plane(FILE *f, const figure_measure *m,
                 const Tandem__V1__RoiResponse *r, const char *const *names,
                 bool inline_svg) __attribute__((warn_unused_result));

/* The professional-isolation network of r (school level; names from nm,
 * may be NULL): every school, or one district's (district not NULL).
 * TD_EINVAL when there is no school to draw. In report_improve.c. */
int figure_isolation(FILE *f, const Tandem__V1__IsolationResponse *r,
                     const figure_names *nm, const char *district,
                     bool inline_svg) __attribute__((warn_unused_result));

/* A Making Data Count XmR chart of s: mean, process limits, signals by
 * their MDC rule and type. */
int figure_mdc(FILE *f, const figure_measure *m,
               const Tandem__V1__MdcSeries *s, const figure_series_opts *o)
    __attribute__((warn_unused_result));

/* The icons of an MDC series as render_variation / render_assurance
 * values, read with the measure's direction ("higher"/"lower"). */
int figure_mdc_variation(const Tandem__V1__MdcSeries *s,
                         const char                  *direction);
int figure_mdc_assurance(const Tandem__V1__MdcSeries *s);

/* figure_roi_has_estimate: the row has an effect and a cost to plot. */
bool figure_roi_has_estimate(const Tandem__V1__RoiRow *w);

#endif /* TANDEM_REPORT_FIGURES_H */
