/* SPDX-License-Identifier: MIT
 * td_measure_parse: a measure as users write it, read by the one parser of
 * common/ and put in its wire form.
 */
#include <string.h>

#include "common.h"
#include "tandem/tandem.h"

int
td_measure_parse(td_measure *m, const char *text, char *errmsg)
{
	common_measure c;
	char           err[TD_ERRMSG_MAX];
	memset(m, 0, sizeof(*m));
	tandem__v1__measure_key__init(&m->key);
	tandem__v1__survey_measure__init(&m->survey);
	if (!common_measure_parse(text, &c, err, sizeof(err))) {
		if (errmsg != NULL) {
			memcpy(errmsg, err, sizeof(err));
		}
		return TD_EINVAL;
	}
	if (!c.survey) {
		memcpy(m->outcome, c.outcome, sizeof(m->outcome));
		m->key.kind_case = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
		m->key.outcome   = m->outcome;
		return TD_OK;
	}
	memcpy(m->survey_code, c.survey_code, sizeof(m->survey_code));
	memcpy(m->construct, c.construct, sizeof(m->construct));
	m->survey.survey    = m->survey_code;
	m->survey.construct = m->construct;
	m->survey.statistic = c.favourable
	    ? TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_FAVOURABLE
	    : TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_MEAN;
	m->key.kind_case    = TANDEM__V1__MEASURE_KEY__KIND_SURVEY;
	m->key.survey       = &m->survey;
	return TD_OK;
}
