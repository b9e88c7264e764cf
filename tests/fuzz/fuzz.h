/*
 * Helpers shared by the libFuzzer harnesses in tests/fuzz. An input is
 * split into fields at newlines, and each field is copied into its own
 * NUL-terminated allocation, so AddressSanitizer catches a read past the
 * end of any field as it would past a web server's string. A harness
 * checks its properties with FUZZ_CHECK, which aborts, so libFuzzer saves
 * the input.
 */
#ifndef DRIPLINE_FUZZ_H
#define DRIPLINE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: property failed: %s\n",	\
			    __FILE__, __LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Take the next field of *data: the bytes up to the next newline, or all
 * that is left when last is set. Advances *data and *size past the field
 * and its newline. Returns a NUL-terminated copy the caller frees, or
 * NULL when out of memory. OUT: len gets the field's length.
 */
static inline char *
fuzz_field(const uint8_t **data, size_t *size, int last, size_t *len)
{
	const uint8_t	*end = NULL;
	size_t		 n = *size;
	char		*copy;

	if (!last && (end = memchr(*data, '\n', *size)) != NULL)
		n = (size_t)(end - *data);
	if ((copy = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(copy, *data, n);
	copy[n] = '\0';
	if (len != NULL)
		*len = n;
	*data += end != NULL ? n + 1 : n;
	*size -= end != NULL ? n + 1 : n;
	return copy;
}

#endif
