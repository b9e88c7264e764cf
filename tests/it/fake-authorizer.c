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
 *
 * It takes the authorizer's options: "-s unix:PATH" makes it listen on
 * PATH (for nginx), open to everyone; without it, it serves the socket
 * on fd 0 (lighttpd). Other options are ignored.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fcgiapp.h>

int
main(int argc, char *argv[])
{
	FCGX_Request	 request;
	const char	*mode = getenv("FAKE_AUTHORIZER");
	int		 i, fd = 0;

	if (mode == NULL || FCGX_Init() != 0)
		return 1;
	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-s") == 0 &&
		    strncmp(argv[i + 1], "unix:", 5) == 0 &&
		    (fd = FCGX_OpenSocket(argv[i + 1] + 5, 128)) == -1)
			return 1;
	if (fd != 0)
		for (i = 1; i + 1 < argc; i++)
			if (strcmp(argv[i], "-s") == 0)
				chmod(argv[i + 1] + 5, 0666);
	if (FCGX_InitRequest(&request, fd, 0) != 0)
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
