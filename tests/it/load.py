#!/usr/bin/env python3
"""Bounded load client for the Dripline integration tests.

Sends a fixed number of metered chat completion requests to a gateway on
127.0.0.1 from a pool of concurrent clients, each request on a new
connection, as curl would. Request i carries key i modulo the number of
keys. It writes one line per request sent, "STATUS KEY_INDEX", where STATUS
is the HTTP status or 000 when no response arrived (connection refused or
reset, timeout).

The run is bounded twice: it sends at most --count requests, and it sends
no new request after --deadline seconds. SIGTERM ends it early the same
way: requests in flight finish and are written, no new one starts. --rate
spreads the requests over time, so that a test can crash processes while
the load is still running. It uses only the Python 3 standard library.
"""

import argparse
import http.client
import signal
import sys
import threading
import time

BODY = b'{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'


def send_one(port: int, key: str, timeout: float) -> str:
    """Send one request and return its status as three digits."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/v1/chat/completions", body=BODY, headers={
            "Authorization": "Bearer " + key,
            "Content-Type": "application/json",
            "Connection": "close",
        })
        response = connection.getresponse()
        response.read()
        return "%03d" % response.status
    except (OSError, http.client.HTTPException):
        return "000"
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True,
                        help="gateway port on 127.0.0.1")
    parser.add_argument("--key", action="append", required=True,
                        help="API key; repeat to rotate several keys")
    parser.add_argument("--count", type=int, default=1000,
                        help="requests to send (default 1000)")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="concurrent clients (default 64)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="requests per second over all clients, "
                             "0 for as fast as possible (default 0)")
    parser.add_argument("--deadline", type=float, default=60.0,
                        help="seconds after which no request is started "
                             "(default 60)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds to wait for one response (default 10)")
    options = parser.parse_args()

    lock = threading.Lock()
    start = time.monotonic()
    next_index = 0
    results = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())

    def take_index() -> int:
        """Return the next request number, or -1 when the run is over."""
        nonlocal next_index
        with lock:
            if next_index >= options.count:
                return -1
            index = next_index
            next_index += 1
        if options.rate > 0:
            delay = start + index / options.rate - time.monotonic()
            if delay > 0:
                stop.wait(delay)
        if stop.is_set() or time.monotonic() - start > options.deadline:
            return -1
        return index

    def client() -> None:
        while (index := take_index()) != -1:
            key_index = index % len(options.key)
            status = send_one(options.port, options.key[key_index],
                              options.timeout)
            with lock:
                results.append("%s %d" % (status, key_index))

    threads = [threading.Thread(target=client)
               for _ in range(options.concurrency)]
    for thread in threads:
        thread.start()
    # Joined with a timeout, so the main thread still runs the handler.
    for thread in threads:
        while thread.is_alive():
            thread.join(0.1)

    sys.stdout.write("".join(line + "\n" for line in results))
    print("load.py: %d requests in %.2f s" % (len(results),
          time.monotonic() - start), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
