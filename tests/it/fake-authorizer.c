/*
 * A broken FastCGI authorizer for the fail-closed tests. FAKE_AUTHORIZER
 * in the environment picks how it misbehaves on every request:
 *   garbage    bytes that are not a CGI response
 *   noblank    "Status: 200" and a header, but no blank line
 *   novars     a well-formed 200 that carries no identity
 *   empty      no output at all
 *   crash      abort() in the middle of the request
 * lighttpd 1.4.69 forwards the request after the first four, so the
 * shipped configuration has to stop them itself.
 */
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

int
main(void)
{
	FCGX_Request	 request;
	const char	*mode = getenv("FAKE_AUTHORIZER");

	if (mode == NULL || FCGX_Init() != 0 ||
	    FCGX_InitRequest(&request, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&request) >= 0) {
		if (strcmp(mode, "garbage") == 0)
			FCGX_PutS("\x01\x02 not a CGI response", request.out);
		else if (strcmp(mode, "noblank") == 0)
			FCGX_PutS("Status: 200\r\nVariable-X: y\r\n",
			    request.out);
		else if (strcmp(mode, "novars") == 0)
			FCGX_PutS("Status: 200\r\n\r\n", request.out);
		else if (strcmp(mode, "crash") == 0)
			abort();
		FCGX_Finish_r(&request);
	}
	return 0;
}
