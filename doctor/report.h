/* The review, printed: plain text for people, JSON (schema "volown-doctor/1",
 * documented in docs/doctor.md) for pipelines. */
#ifndef VOLOWN_DOCTOR_REPORT_H
#define VOLOWN_DOCTOR_REPORT_H

#include <stdio.h>

#include "check.h"
#include "model.h"

void report_text(FILE *out, const struct project *p, const struct totals *t);
void report_json(FILE *out, const struct project *p, const struct totals *t);

#endif
