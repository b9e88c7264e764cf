#!/usr/bin/env python3
"""Mock OpenAI-compatible upstream for the Dripline demo and integration tests.

Dripline authorizes requests in front of an OpenAI-compatible API. This program
takes the place of that API. It sends fixed, well-formed responses for the common
endpoints, and it can append every request it receives to a record file, so a
test can check what the web server forwarded: path, query, headers such as
X-Dripline-User, and body. It uses only the Python 3 standard library.

Endpoints:
  POST /v1/chat/completions    chat.completion object, or chat.completion.chunk
                               server-sent events when the request has
                               "stream": true
  POST /v1/completions         text_completion object, streamed the same way
  POST /v1/embeddings          list of embedding objects, one per input, with
                               8 floats each unless "dimensions" is set
  POST /v1/images/generations  {"created", "data": [{"url"}]}, or b64_json
  GET  /v1/models              list of the mock models
  GET  /v1/models/{id}         model object for any id
  GET  /mock-images/{name}.png 1x1 PNG, the target of the image URLs

HEAD works wherever GET does. The reply text of the completion endpoints names
the value of the X-Dripline-User request header when it is present. Token
counts in "usage" are word counts, not real tokenizer counts.

Test behaviors, for the endpoints above:
  slow   Request JSON "model": "mock-slow", or header X-Mock-Behavior: slow.
         The server sleeps --slow-seconds and then responds normally.
  error  Request JSON "model": "mock-error", or header X-Mock-Behavior: error.
         The server responds 500 with the body
         {"error": {"message": ..., "type": "server_error",
                    "code": "mock_upstream_error"}}.
The header may name both, separated by a comma ("slow, error"), and then the
500 comes after the sleep.

Any other path gets 404, a known path with another method gets 405, and a POST
body that is not a JSON object gets 400. Every error body has the OpenAI shape
{"error": {"message", "type", "param", "code"}}.

Options:
  --listen HOST:PORT      address to listen on (default 127.0.0.1:9000). Port 0
                          picks a free port. Put an IPv6 host in brackets:
                          [::1]:0.
  --record FILE           append one JSON line per received request to FILE
  --port-file FILE        write the bound port number to FILE after binding
  --slow-seconds N        sleep of the slow behavior, in seconds (default 5)
  --stream-interval N     pause between streamed events, in seconds
                          (default 0.2)
  --quiet                 log no access line per request on stderr

Record format: one JSON object per line. Each line is written whole under a
lock and flushed at once, before the server responds. The keys are:
  method       request method as received, for example "POST"
  path         request target before the first "?", exactly as received, so
               not percent-decoded
  query        raw text after the first "?", or ""
  headers      object of all request headers, names lower-cased. A name that
               occurs more than once maps to a list of its values in order.
  body_length  body size in bytes, after removing any chunked encoding
  body         body decoded as UTF-8 with invalid bytes replaced, cut to the
               first 64 KiB
  time         Unix time in seconds (float) when handling of the request began

NOTE: http.server itself rejects a request whose request line or headers it
cannot parse (for example, more than 100 header lines). Such a request gets
http.server's own error response and no record line.

The server exits with status 0 on SIGTERM or SIGINT.
"""

import argparse
import base64
import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
import zlib
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

LOG = logging.getLogger("mock-upstream")

RECORD_BODY_MAX_BYTES = 64 * 1024
# A larger body is read to its end and counted, but the server keeps only this
# many bytes and responds 413.
REQUEST_BODY_MAX_BYTES = 32 * 1024 * 1024
# Maximum length of a chunk-size line or trailer line in a chunked request body.
CHUNK_LINE_MAX_BYTES = 8192
READ_BLOCK_BYTES = 64 * 1024

MOCK_MODEL_IDS = ("mock-model", "mock-slow", "mock-error")
DEFAULT_MODEL_ID = "mock-model"
SLOW_MODEL_ID = "mock-slow"
ERROR_MODEL_ID = "mock-error"
# Fixed creation time of the mock models, so /v1/models output is stable.
MODEL_CREATED = 1700000000

EMBEDDING_DEFAULT_DIMENSIONS = 8
EMBEDDING_MAX_DIMENSIONS = 4096
IMAGE_MAX_COUNT = 10
STREAM_MAX_CONTENT_EVENTS = 6

BEHAVIOR_HEADER = "X-Mock-Behavior"
BEHAVIOR_SLOW = "slow"
BEHAVIOR_ERROR = "error"

POST_ENDPOINTS = (
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/images/generations",
)
MODELS_PATH = "/v1/models"
MODEL_PATH_PREFIX = "/v1/models/"
IMAGE_PATH_PREFIX = "/mock-images/"


def build_png_pixel(red: int, green: int, blue: int) -> bytes:
    """Encode a 1x1 RGB image as PNG."""

    def png_chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    # Width 1, height 1, bit depth 8, color type 2 (RGB), default compression,
    # filter and interlace methods.
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    # Each scanline starts with its filter type byte, 0 for none.
    pixels = zlib.compress(bytes((0, red, green, blue)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


MOCK_IMAGE_PNG = build_png_pixel(0x2A, 0x7F, 0xD4)


class RequestBodyError(Exception):
    """Request body that cannot be read, so the connection must be closed."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.status = status


class RequestBody:
    """Body bytes kept for parsing (up to REQUEST_BODY_MAX_BYTES) and the total size."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.length = 0

    @property
    def too_large(self) -> bool:
        return self.length > REQUEST_BODY_MAX_BYTES

    def append(self, block: bytes) -> None:
        room = REQUEST_BODY_MAX_BYTES - len(self.data)
        if room > 0:
            self.data += block[:room]
        self.length += len(block)


class RequestRecorder:
    """Append-only JSON Lines file of received requests, safe to use from many threads."""

    def __init__(self, path: str | None) -> None:
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8") if path else None

    def write(self, record: dict) -> None:
        """Append record as one line, or do nothing if recording is off or the file is closed."""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            if self._file is None:
                return
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


@dataclasses.dataclass(frozen=True)
class ListenAddress:
    host: str
    port: int
    family: socket.AddressFamily


def parse_listen_address(text: str) -> ListenAddress:
    """Parse HOST:PORT or [IPV6]:PORT for --listen."""
    host, separator, port_text = text.rpartition(":")
    if not separator or not host:
        raise argparse.ArgumentTypeError(
            f"invalid address {text!r}. Use HOST:PORT, for example 127.0.0.1:9000."
        )

    family = socket.AF_INET
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        family = socket.AF_INET6
    elif ":" in host:
        raise argparse.ArgumentTypeError(
            f"invalid address {text!r}. Put an IPv6 host in brackets, for example [::1]:9000."
        )

    if not port_text.isdigit() or int(port_text) > 65535:
        raise argparse.ArgumentTypeError(
            f"invalid port {port_text!r} in {text!r}. Use a number from 0 to 65535."
        )
    return ListenAddress(host, int(port_text), family)


def parse_seconds(text: str) -> float:
    """Parse a non-negative, finite number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(
            f"invalid number of seconds {text!r}. Use a finite number of 0 or more."
        )
    return seconds


def openai_error_body(
    message: str, error_type: str, code: str | None = None, param: str | None = None
) -> dict:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


class OpenAIError(Exception):
    """Error that the handler sends to the client as an OpenAI-style JSON body."""

    def __init__(
        self,
        status: HTTPStatus,
        message: str,
        code: str | None = None,
        param: str | None = None,
        error_type: str = "invalid_request_error",
    ):
        super().__init__(message)
        self.status = status
        self.body = openai_error_body(message, error_type, code, param)


def count_words(value: object) -> int:
    """Count words in a prompt, message list or embedding input, as a stand-in for tokens.

    Strings count their whitespace-separated words, integers count as one token
    id each, lists add up their items, and objects count their "content" and
    "text" fields, which is where chat messages and content parts keep text.
    """
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 1
    if isinstance(value, list):
        return sum(count_words(item) for item in value)
    if isinstance(value, dict):
        return count_words(value.get("content")) + count_words(value.get("text"))
    return 0


def split_into_pieces(text: str, max_pieces: int) -> list[str]:
    """Split text at word boundaries into at most max_pieces pieces that join back to text."""
    words = re.findall(r"\s*\S+\s*", text) or [text]
    words_per_piece = math.ceil(len(words) / max_pieces)
    return [
        "".join(words[start:start + words_per_piece])
        for start in range(0, len(words), words_per_piece)
    ]


def build_reply_text(user: str | None) -> str:
    if user:
        return f"Hello {user}, this is a reply from the Dripline mock upstream."
    return "Hello, this is a reply from the Dripline mock upstream."


def build_usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def build_model_object(model_id: str) -> dict:
    return {"id": model_id, "object": "model", "created": MODEL_CREATED, "owned_by": "dripline-mock"}


def embed_text(item: object, dimensions: int) -> list[float]:
    """Derive a unit-length vector from a hash of the input, so equal inputs get equal vectors."""
    digest = hashlib.shake_256(json.dumps(item).encode("utf-8")).digest(2 * dimensions)
    raw = [
        int.from_bytes(digest[i:i + 2], "big") / 32767.5 - 1.0
        for i in range(0, len(digest), 2)
    ]
    norm = math.sqrt(sum(value * value for value in raw)) or 1.0
    return [round(value / norm, 6) for value in raw]


def normalize_embedding_input(value: object) -> list:
    """Return the list of embedding inputs, raising OpenAIError for an invalid "input".

    Valid forms follow the OpenAI API: a string, a list of strings, a list of
    token ids, or a list of token-id lists.
    """

    def is_token_list(item: object) -> bool:
        return (
            isinstance(item, list)
            and len(item) > 0
            and all(isinstance(token, int) and not isinstance(token, bool) for token in item)
        )

    if isinstance(value, str):
        return [value]
    if is_token_list(value):
        return [value]
    if isinstance(value, list) and value and all(
        isinstance(item, str) or is_token_list(item) for item in value
    ):
        return value
    raise OpenAIError(
        HTTPStatus.BAD_REQUEST,
        "Invalid 'input'. Send a string, a list of strings, a list of token ids, "
        "or a list of token-id lists.",
        code="invalid_value",
        param="input",
    )


def read_optional_int(request: dict, name: str, default: int, maximum: int) -> int:
    """Return request[name] if it is an integer from 1 to maximum, or default if it is absent."""
    value = request.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise OpenAIError(
            HTTPStatus.BAD_REQUEST,
            f"Invalid '{name}': {value!r}. Use an integer from 1 to {maximum}.",
            code="invalid_value",
            param=name,
        )
    return value


class EventStreamWriter:
    """Server-sent events response, with chunked transfer encoding for HTTP/1.1 clients.

    An HTTP/1.0 client cannot take chunked encoding, so it gets the events
    unframed and the connection closes at the end of the stream.
    """

    def __init__(self, handler: "MockUpstreamHandler") -> None:
        self._handler = handler
        self._chunked = handler.request_version != "HTTP/1.0"

    def start(self) -> None:
        handler = self._handler
        handler.send_response(HTTPStatus.OK)
        handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        handler.send_header("Cache-Control", "no-cache")
        # nginx buffers proxied responses unless the upstream sends this header,
        # which would hide the spacing of the events from the client.
        handler.send_header("X-Accel-Buffering", "no")
        if self._chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()

    def send_event(self, data: str) -> None:
        payload = f"data: {data}\n\n".encode("utf-8")
        if self._chunked:
            payload = f"{len(payload):x}\r\n".encode("ascii") + payload + b"\r\n"
        self._handler.wfile.write(payload)
        self._handler.wfile.flush()

    def finish(self) -> None:
        if self._chunked:
            self._handler.wfile.write(b"0\r\n\r\n")
            self._handler.wfile.flush()


class MockUpstreamHandler(BaseHTTPRequestHandler):
    """Request handler that records every request and serves the mock endpoints."""

    protocol_version = "HTTP/1.1"
    server_version = "DriplineMockUpstream/1.0"
    # Seconds a connection may stay idle, including between keep-alive
    # requests, before the server closes it and frees its thread.
    timeout = 300

    server: "MockUpstreamServer"

    def __getattr__(self, name: str):
        # http.server calls do_<METHOD> and sends 501 when that method is missing.
        # Routing every method to one function records unknown methods too.
        if name.startswith("do_"):
            return self.handle_any_method
        raise AttributeError(name)

    # Logging

    def log_request(self, code="-", size="-") -> None:
        if self.server.options.quiet:
            return
        status = code.value if isinstance(code, HTTPStatus) else code
        LOG.info('%s "%s" %s', self.client_address[0], self.requestline, status)

    def log_error(self, format: str, *args) -> None:
        LOG.warning("%s: %s", self.client_address[0], format % args)

    def log_message(self, format: str, *args) -> None:
        LOG.info("%s: %s", self.client_address[0], format % args)

    # Request handling

    def handle_any_method(self) -> None:
        received_at = time.time()
        # http.server collapses a leading "//" in self.path (seen in Python
        # 3.11.7), so the raw target comes from the request line instead.
        request_line_words = self.requestline.split()
        target = request_line_words[1] if len(request_line_words) > 1 else self.path
        path, _, query = target.partition("?")

        body = RequestBody()
        body_error = None
        try:
            self.read_body(body)
        except RequestBodyError as error:
            body_error = error
            self.close_connection = True
            LOG.warning("%s: invalid request body for %s %s: %s",
                        self.client_address[0], self.command, path, error)

        self.server.recorder.write({
            "method": self.command,
            "path": path,
            "query": query,
            "headers": self.collect_headers(),
            "body_length": body.length,
            "body": bytes(body.data[:RECORD_BODY_MAX_BYTES]).decode("utf-8", errors="replace"),
            "time": received_at,
        })

        try:
            if body_error is not None:
                raise OpenAIError(body_error.status, str(body_error), code="invalid_body")
            if body.too_large:
                raise OpenAIError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"Request body of {body.length} bytes is larger than the mock "
                    f"upstream's limit of {REQUEST_BODY_MAX_BYTES} bytes.",
                    code="request_too_large",
                )
            self.dispatch(path, bytes(body.data))
        except OpenAIError as error:
            self.send_json(error.status, error.body)

    def collect_headers(self) -> dict:
        headers: dict[str, str | list[str]] = {}
        for name, value in self.headers.items():
            # http.server decodes header bytes as ISO-8859-1. Re-decoding them as
            # UTF-8 shows non-ASCII values as the client sent them.
            value = value.encode("iso-8859-1", errors="replace").decode("utf-8", errors="replace")
            key = name.lower()
            if key not in headers:
                headers[key] = value
            elif isinstance(headers[key], list):
                headers[key].append(value)
            else:
                headers[key] = [headers[key], value]
        return headers

    def read_body(self, body: RequestBody) -> None:
        """Read the whole request body into body, raising RequestBodyError if it is malformed.

        Transfer-Encoding takes precedence over Content-Length, as RFC 9112
        requires. A request with neither has an empty body.
        """
        transfer_encoding = ",".join(self.headers.get_all("Transfer-Encoding") or [])
        if transfer_encoding.strip():
            codings = [coding.strip().lower() for coding in transfer_encoding.split(",")]
            if codings[-1] != "chunked":
                raise RequestBodyError(
                    f"Unsupported Transfer-Encoding {transfer_encoding!r}. "
                    "The last coding of a request body must be chunked.",
                    HTTPStatus.NOT_IMPLEMENTED if codings[-1] else HTTPStatus.BAD_REQUEST,
                )
            self.read_chunked_body(body)
            return

        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if not lengths:
            return
        if len(lengths) > 1 or not next(iter(lengths)).isdigit():
            raise RequestBodyError(f"Invalid Content-Length {sorted(lengths)!r}.")
        self.read_exact(int(next(iter(lengths))), body)

    def read_exact(self, size: int, body: RequestBody) -> None:
        remaining = size
        while remaining > 0:
            block = self.rfile.read(min(remaining, READ_BLOCK_BYTES))
            if not block:
                raise RequestBodyError(
                    f"Incomplete request body: the connection closed after "
                    f"{size - remaining} of {size} bytes."
                )
            body.append(block)
            remaining -= len(block)

    def read_line(self, line_description: str) -> bytes:
        line = self.rfile.readline(CHUNK_LINE_MAX_BYTES + 1)
        if not line.endswith(b"\n"):
            if len(line) > CHUNK_LINE_MAX_BYTES:
                raise RequestBodyError(f"Invalid chunked body: {line_description} is longer than "
                                       f"{CHUNK_LINE_MAX_BYTES} bytes.")
            raise RequestBodyError(
                f"Incomplete chunked body: the connection closed in {line_description}."
            )
        return line

    def read_chunked_body(self, body: RequestBody) -> None:
        """Decode a chunked request body (RFC 9112), discarding any trailer fields."""
        while True:
            size_line = self.read_line("a chunk-size line")
            # A chunk extension may follow the size after ";".
            size_text = size_line.split(b";", 1)[0].strip()
            if not size_text or any(byte not in b"0123456789abcdefABCDEF" for byte in size_text):
                raise RequestBodyError(
                    f"Invalid chunk size {size_line.rstrip().decode('iso-8859-1')!r}."
                )
            size = int(size_text, 16)
            if size == 0:
                break
            self.read_exact(size, body)
            if self.read_line("the line break after chunk data") not in (b"\r\n", b"\n"):
                raise RequestBodyError("Invalid chunked body: chunk data is longer than its size.")

        while self.read_line("the trailer section") not in (b"\r\n", b"\n"):
            pass

    def find_route(self, path: str):
        """Return (allowed methods, handler) for path, or None if the path is unknown."""
        if path in POST_ENDPOINTS:
            handlers = {
                "/v1/chat/completions": self.handle_chat_completions,
                "/v1/completions": self.handle_completions,
                "/v1/embeddings": self.handle_embeddings,
                "/v1/images/generations": self.handle_image_generations,
            }
            return ("POST",), handlers[path]
        if path == MODELS_PATH:
            return ("GET", "HEAD"), lambda request: self.handle_model_list()
        if path.startswith(MODEL_PATH_PREFIX) and len(path) > len(MODEL_PATH_PREFIX):
            model_id = unquote(path[len(MODEL_PATH_PREFIX):])
            return ("GET", "HEAD"), lambda request: self.handle_model(model_id)
        if path.startswith(IMAGE_PATH_PREFIX) and path.endswith(".png"):
            return ("GET", "HEAD"), lambda request: self.handle_image_file()
        return None

    def dispatch(self, path: str, body: bytes) -> None:
        route = self.find_route(path)
        if route is None:
            raise OpenAIError(
                HTTPStatus.NOT_FOUND,
                f"Unknown URL {self.command} {path}. The mock upstream serves "
                "/v1/chat/completions, /v1/completions, /v1/embeddings, "
                "/v1/images/generations and /v1/models.",
                code="unknown_url",
            )
        allowed_methods, handler = route
        if self.command not in allowed_methods:
            self.send_json(
                HTTPStatus.METHOD_NOT_ALLOWED,
                openai_error_body(
                    f"Method {self.command} is not allowed for {path}. "
                    f"Use {' or '.join(allowed_methods)}.",
                    "invalid_request_error",
                    code="method_not_allowed",
                ),
                extra_headers={"Allow": ", ".join(allowed_methods)},
            )
            return

        behaviors = self.read_behavior_header()
        request = self.parse_json_object(body) if self.command == "POST" else {}
        model = request.get("model")
        if model == SLOW_MODEL_ID:
            behaviors.add(BEHAVIOR_SLOW)
        if model == ERROR_MODEL_ID:
            behaviors.add(BEHAVIOR_ERROR)

        if BEHAVIOR_SLOW in behaviors:
            time.sleep(self.server.options.slow_seconds)
        if BEHAVIOR_ERROR in behaviors:
            raise OpenAIError(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "The mock upstream failed on purpose, because the request asked for "
                f"model {ERROR_MODEL_ID!r} or sent {BEHAVIOR_HEADER}: {BEHAVIOR_ERROR}.",
                code="mock_upstream_error",
                error_type="server_error",
            )
        handler(request)

    def read_behavior_header(self) -> set[str]:
        behaviors = set()
        for header_value in self.headers.get_all(BEHAVIOR_HEADER) or []:
            for item in header_value.split(","):
                behavior = item.strip().lower()
                if not behavior:
                    continue
                if behavior not in (BEHAVIOR_SLOW, BEHAVIOR_ERROR):
                    raise OpenAIError(
                        HTTPStatus.BAD_REQUEST,
                        f"Invalid {BEHAVIOR_HEADER} value {item.strip()!r}. Use "
                        f"{BEHAVIOR_SLOW!r}, {BEHAVIOR_ERROR!r}, or both separated by a comma.",
                        code="invalid_mock_behavior",
                    )
                behaviors.add(behavior)
        return behaviors

    def parse_json_object(self, body: bytes) -> dict:
        try:
            request = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise OpenAIError(
                HTTPStatus.BAD_REQUEST,
                f"Invalid JSON in the request body: {error}. Send a JSON object.",
                code="invalid_json",
            ) from None
        if not isinstance(request, dict):
            raise OpenAIError(
                HTTPStatus.BAD_REQUEST,
                f"Invalid request body: expected a JSON object, got {type(request).__name__}.",
                code="invalid_json",
            )
        return request

    # Endpoints

    def request_model(self, request: dict) -> str:
        model = request.get("model")
        return model if isinstance(model, str) and model else DEFAULT_MODEL_ID

    def wants_usage_in_stream(self, request: dict) -> bool:
        stream_options = request.get("stream_options")
        return isinstance(stream_options, dict) and stream_options.get("include_usage") is True

    def handle_chat_completions(self, request: dict) -> None:
        messages = request.get("messages")
        if not isinstance(messages, list):
            raise OpenAIError(
                HTTPStatus.BAD_REQUEST,
                "Missing or invalid 'messages'. Send a list of message objects.",
                code="invalid_value",
                param="messages",
            )

        completion_id = f"chatcmpl-mock{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        model = self.request_model(request)
        reply = build_reply_text(self.headers.get("X-Dripline-User"))
        usage = build_usage(count_words(messages), count_words(reply))

        if request.get("stream") is True:
            def chunk(delta: dict, finish_reason: str | None) -> dict:
                return {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }],
                }

            events = [chunk({"role": "assistant", "content": ""}, None)]
            events += [chunk({"content": piece}, None)
                       for piece in split_into_pieces(reply, STREAM_MAX_CONTENT_EVENTS)]
            events.append(chunk({}, "stop"))
            if self.wants_usage_in_stream(request):
                events.append({**chunk({}, None), "choices": [], "usage": usage})
            self.send_event_stream(events)
            return

        self.send_json(HTTPStatus.OK, {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": reply, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }],
            "usage": usage,
        })

    def handle_completions(self, request: dict) -> None:
        completion_id = f"cmpl-mock{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        model = self.request_model(request)
        reply = build_reply_text(self.headers.get("X-Dripline-User"))
        usage = build_usage(count_words(request.get("prompt")), count_words(reply))

        def completion(text: str, finish_reason: str | None) -> dict:
            return {
                "id": completion_id,
                "object": "text_completion",
                "created": created,
                "model": model,
                "choices": [{
                    "text": text,
                    "index": 0,
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }],
            }

        if request.get("stream") is True:
            events = [completion(piece, None)
                      for piece in split_into_pieces(reply, STREAM_MAX_CONTENT_EVENTS)]
            events.append(completion("", "stop"))
            if self.wants_usage_in_stream(request):
                events.append({**completion("", None), "choices": [], "usage": usage})
            self.send_event_stream(events)
            return

        self.send_json(HTTPStatus.OK, {**completion(reply, "stop"), "usage": usage})

    def handle_embeddings(self, request: dict) -> None:
        inputs = normalize_embedding_input(request.get("input"))
        dimensions = read_optional_int(
            request, "dimensions", EMBEDDING_DEFAULT_DIMENSIONS, EMBEDDING_MAX_DIMENSIONS
        )
        # openai-node (checked with 4.104.0) requests base64, which is packed
        # little-endian float32, when its caller sets no encoding_format.
        encoding_format = request.get("encoding_format") or "float"
        if encoding_format not in ("float", "base64"):
            raise OpenAIError(
                HTTPStatus.BAD_REQUEST,
                f"Invalid 'encoding_format': {encoding_format!r}. Use 'float' or 'base64'.",
                code="invalid_value",
                param="encoding_format",
            )

        data = []
        for index, item in enumerate(inputs):
            vector = embed_text(item, dimensions)
            if encoding_format == "base64":
                packed = struct.pack(f"<{len(vector)}f", *vector)
                embedding: object = base64.b64encode(packed).decode("ascii")
            else:
                embedding = vector
            data.append({"object": "embedding", "index": index, "embedding": embedding})

        prompt_tokens = count_words(inputs)
        self.send_json(HTTPStatus.OK, {
            "object": "list",
            "data": data,
            "model": self.request_model(request),
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        })

    def handle_image_generations(self, request: dict) -> None:
        count = read_optional_int(request, "n", 1, IMAGE_MAX_COUNT)
        response_format = request.get("response_format") or "url"
        if response_format not in ("url", "b64_json"):
            raise OpenAIError(
                HTTPStatus.BAD_REQUEST,
                f"Invalid 'response_format': {response_format!r}. Use 'url' or 'b64_json'.",
                code="invalid_value",
                param="response_format",
            )

        data = []
        for number in range(1, count + 1):
            if response_format == "b64_json":
                data.append({"b64_json": base64.b64encode(MOCK_IMAGE_PNG).decode("ascii")})
            else:
                data.append({"url": f"{self.server.base_url}{IMAGE_PATH_PREFIX}mock-{number}.png"})
        self.send_json(HTTPStatus.OK, {"created": int(time.time()), "data": data})

    def handle_model_list(self) -> None:
        self.send_json(HTTPStatus.OK, {
            "object": "list",
            "data": [build_model_object(model_id) for model_id in MOCK_MODEL_IDS],
        })

    def handle_model(self, model_id: str) -> None:
        self.send_json(HTTPStatus.OK, build_model_object(model_id))

    def handle_image_file(self) -> None:
        self.send_body(HTTPStatus.OK, "image/png", MOCK_IMAGE_PNG)

    # Responses

    def send_body(
        self,
        status: HTTPStatus,
        content_type: str,
        data: bytes,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        """Send a response with Content-Length, leaving out the body for HEAD."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(
        self, status: HTTPStatus, payload: dict, extra_headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_body(status, "application/json", data, extra_headers)

    def send_event_stream(self, events: list[dict]) -> None:
        """Send events as server-sent events, --stream-interval apart, then "data: [DONE]"."""
        writer = EventStreamWriter(self)
        interval = self.server.options.stream_interval
        try:
            writer.start()
            for index, event in enumerate(events):
                if index > 0:
                    time.sleep(interval)
                writer.send_event(json.dumps(event))
            time.sleep(interval)
            writer.send_event("[DONE]")
            writer.finish()
        except ConnectionError as error:
            self.close_connection = True
            LOG.info("%s: client closed the event stream early: %s", self.client_address[0], error)
            return
        if self.request_version == "HTTP/1.0":
            self.close_connection = True


class MockUpstreamServer(ThreadingHTTPServer):
    """Threaded HTTP server that carries the options and the recorder for its handlers."""

    daemon_threads = True
    # Listen backlog. With the socketserver default of 5, connections can be
    # delayed or dropped when dozens of clients connect at once.
    request_queue_size = 128

    def __init__(self, address: ListenAddress, options: argparse.Namespace, recorder: RequestRecorder):
        self.address_family = address.family
        self.options = options
        self.recorder = recorder
        super().__init__((address.host, address.port), MockUpstreamHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can wait on DNS.
        # The mock needs only the bound address.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    @property
    def base_url(self) -> str:
        """Base URL of this server, with a wildcard host replaced by loopback."""
        host, port = self.server_address[:2]
        if host == "0.0.0.0":
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            LOG.info("%s: client closed the connection early: %s", client_address[0], error)
        else:
            LOG.exception("unexpected error while serving %s", client_address[0])


def write_port_file(path: str, port: int) -> None:
    """Write the port number to path atomically, so a reader never sees a partial file."""
    temporary_path = f"{path}.{os.getpid()}.tmp"
    with open(temporary_path, "w", encoding="ascii") as port_file:
        port_file.write(f"{port}\n")
    os.replace(temporary_path, path)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Mock OpenAI-compatible upstream for the Dripline demo and integration tests.",
    )
    parser.add_argument(
        "--listen", type=parse_listen_address, default=parse_listen_address("127.0.0.1:9000"),
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:9000). Port 0 picks a free port.",
    )
    parser.add_argument(
        "--record", metavar="FILE",
        help="append one JSON line per received request to FILE",
    )
    parser.add_argument(
        "--port-file", metavar="FILE",
        help="write the bound port number to FILE after binding",
    )
    parser.add_argument(
        "--slow-seconds", type=parse_seconds, default=5.0, metavar="N",
        help="seconds to sleep for model mock-slow or X-Mock-Behavior: slow (default 5)",
    )
    parser.add_argument(
        "--stream-interval", type=parse_seconds, default=0.2, metavar="N",
        help="seconds between streamed events (default 0.2)",
    )
    parser.add_argument(
        "--quiet", action="store_true",
        help="log no access line per request on stderr",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    options = parse_arguments(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )

    try:
        recorder = RequestRecorder(options.record)
    except OSError as error:
        LOG.error("cannot open record file %s: %s", options.record, error)
        return 1

    try:
        server = MockUpstreamServer(options.listen, options, recorder)
    except OSError as error:
        LOG.error("cannot listen on %s:%d: %s", options.listen.host, options.listen.port, error)
        recorder.close()
        return 1

    port = server.server_address[1]
    if options.port_file:
        try:
            write_port_file(options.port_file, port)
        except OSError as error:
            LOG.error("cannot write port file %s: %s", options.port_file, error)
            server.server_close()
            recorder.close()
            return 1

    stop_requested = threading.Event()

    def request_stop(signal_number: int, frame) -> None:
        LOG.info("received %s, stopping", signal.Signals(signal_number).name)
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    # serve_forever runs in a thread because shutdown() blocks until the serving
    # loop ends, so it must be called from another thread.
    serve_thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    serve_thread.start()
    LOG.info("listening on %s (record file: %s)", server.base_url, options.record or "none")

    # A timeout keeps the wait short, so a signal handler that runs while the
    # main thread waits is acted on within half a second.
    while not stop_requested.wait(0.5):
        pass

    server.shutdown()
    # Request threads are daemon threads, so open connections such as a slow
    # request or a stream end with the process rather than delaying the exit.
    server.server_close()
    recorder.close()
    LOG.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
