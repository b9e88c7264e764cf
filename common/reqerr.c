/* Recording of request errors; see reqerr.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reqerr.h"

int
reqerr_set(struct reqerr *re, const char *func, int line, int status,
    const char *code, const char *fmt, ...)
{
	va_list	ap;

	if (re == NULL || re->status != 0)
		return -1;
	re->status = status;
	re->code = code;
	re->func = func;
	re->line = line;
	va_start(ap, fmt);
	vsnprintf(re->message, sizeof(re->message), fmt, ap);
	va_end(ap);
	return -1;
}

void
reqerr_clear(struct reqerr *re)
{
	memset(re, 0, sizeof(*re));
}
