"""The Python `websockets` interop peer: an echo server with the in-band controls of tests/interop/README.md.

Usage: /usr/bin/python3 server.py --port 0 [--log FILE] [--max-message-size BYTES]
Prints "listening 127.0.0.1:PORT python=... websockets=..." as its first line; exits when its standard input closes.
Written for Debian's python3-websockets 10.x (the legacy asyncio API, which is the only one 10.x has).
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import struct
import sys
import threading
from urllib.parse import urlsplit

import websockets
import websockets.frames
import websockets.version

# "hi" followed by two bytes that are never valid in UTF-8.
INVALID_UTF8 = b"hi\xff\xfe"


class Log:
    """One JSON object a line, appended and handed to the kernel before the echo or ack goes out."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if path else None
        self.path = path

    def write(self, entry):
        if self.fd is not None:
            os.write(self.fd, (to_json(entry) + "\n").encode("utf-8"))

    def recorded_ids(self):
        """The ids already acknowledged by earlier runs of this peer on the same log: de-duplication survives a restart."""
        ids = set()
        if not self.path or not os.path.exists(self.path):
            return ids
        with open(self.path, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short: skipped
                if entry.get("event") == "text" and isinstance(entry.get("id"), str) and not entry.get("refused"):
                    ids.add(entry["id"])
        return ids


class Peer:
    def __init__(self, log, max_message_size):
        self.log = log
        self.max_message_size = max_message_size
        self.seen_ids = log.recorded_ids()
        self.connection_count = 0

    async def handle(self, ws):
        self.connection_count += 1
        conn = f"{os.getpid()}.{self.connection_count}"
        url = urlsplit(ws.path)
        query = f"?{url.query}" if url.query else ""
        ack_mode = url.path == "/ack"
        refusals = {}  # ctl:refuse: id -> (code, message), this connection only
        self.log.write({"conn": conn, "event": "open", "path": url.path, "query": query, "subprotocol": ws.subprotocol})
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    self.log.write({"conn": conn, "event": "binary", "size": len(message)})
                    await ws.send(message)
                elif message.startswith("ctl:"):
                    self.log.write({"conn": conn, "event": "control", "command": message})
                    if message == "ctl:silence":
                        # Stop reading for good: no more echoes, no more pongs (websockets answers pings while it
                        # reads), and what websockets had already read is left unhandled.
                        ws.transport.pause_reading()
                        break
                    await self.run_control(ws, url, query, message, refusals)
                else:
                    await self.echo_text(ws, conn, ack_mode, refusals, message)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        self.log.write({"conn": conn, "event": "close", "code": ws.close_code, "reason": ws.close_reason or ""})

    async def echo_text(self, ws, conn, ack_mode, refusals, text):
        size = len(text.encode("utf-8"))
        entry = {"conn": conn, "event": "text", "size": size}
        if size <= 4096:
            entry["text"] = text
        message_id = message_id_of(text) if ack_mode or refusals else None
        if message_id in refusals:
            code, reason = refusals.pop(message_id)
            self.log.write({**entry, "id": message_id, "refused": True})
            await ws.send(to_json({"type": "error", "id": message_id, "code": code, "message": reason}))
            return
        if not ack_mode:
            message_id = None
        if message_id is not None:
            entry["id"] = message_id
            entry["duplicate"] = message_id in self.seen_ids
        self.log.write(entry)
        if not entry.get("duplicate", False):
            await ws.send(text)
        if message_id is not None:
            self.seen_ids.add(message_id)
            await ws.send(to_json({"type": "ack", "id": message_id}))

    async def run_control(self, ws, url, query, text, refusals):
        command, _, argument = text[len("ctl:"):].partition(" ")
        words = argument.split(" ") if argument else []
        if command == "close":
            try:
                code = int(words[0])
                await ws.close(code, " ".join(words[1:]))
            except (ValueError, IndexError, websockets.exceptions.ProtocolError) as error:
                await reply(ws, "ctl-error", f"ctl:close: {error}")
        elif command == "abort":
            # An RST, no close frame: SO_LINGER with a zero timeout, then drop the transport.
            ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            ws.transport.abort()
        elif command in ("send-text", "send-binary"):
            try:
                size = int(words[0])
                frames = int(words[1]) if len(words) > 1 else 1
                if size < 0 or frames < 1:
                    raise ValueError()
            except (ValueError, IndexError):
                await reply(ws, "ctl-error", f"usage: ctl:{command} <bytes> [frames]")
                return
            payload = binary_pattern(size) if command == "send-binary" else text_pattern(size)
            chunks = split_evenly(payload, frames)
            # An iterable is sent as one fragmented message, a frame per item.
            await ws.send(chunks[0] if len(chunks) == 1 else iter(chunks))
        elif command == "send-fragmented":
            # websockets only splits text between characters, so the frames are written one by one (write_frame is
            # the legacy protocol's own frame writer, not part of the documented API of 10.x).
            chunks = split_inside_characters(argument.encode("utf-8"))
            for index, chunk in enumerate(chunks):
                opcode = websockets.frames.OP_TEXT if index == 0 else websockets.frames.OP_CONT
                await ws.write_frame(index == len(chunks) - 1, opcode, chunk)
        elif command == "send-invalid-utf8":
            # ws.send() only takes str for text; the frame writer sends the bytes as they are (see send-fragmented).
            await ws.write_frame(True, websockets.frames.OP_TEXT, INVALID_UTF8)
        elif command == "refuse":
            if len(words) < 2 or not words[0] or not words[1].isdigit():
                await reply(ws, "ctl-error", "usage: ctl:refuse <id> <code> [message]")
                return
            refusals[words[0]] = (int(words[1]), " ".join(words[2:]))
        elif command == "handshake":
            await ws.send(to_json({
                "type": "handshake",
                "path": url.path,
                "query": query,
                "headers": headers_of(ws.request_headers),
                "subprotocol": ws.subprotocol,
                "extensions": ws.response_headers.get("Sec-WebSocket-Extensions"),
            }))
        else:
            await reply(ws, "ctl-error", f"unknown control: {text}")


def to_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_id_of(text):
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def headers_of(headers):
    result = {}
    for name, value in headers.raw_items():
        name = name.lower()
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result


def text_pattern(size):
    return "".join(chr(0x61 + i % 26) for i in range(size))


def binary_pattern(size):
    return bytes(i % 251 for i in range(size))


def split_evenly(payload, frames):
    step = -(-len(payload) // frames)
    return [payload[min(i * step, len(payload)):min((i + 1) * step, len(payload))] for i in range(frames)]


def split_inside_characters(data):
    """A frame ends right after the first byte of every multi-byte character; a text without one is cut in the middle."""
    cuts = [i + 1 for i, byte in enumerate(data) if byte >= 0xC0]
    if not cuts and len(data) >= 2:
        cuts = [len(data) // 2]
    chunks, start = [], 0
    for cut in cuts:
        chunks.append(data[start:cut])
        start = cut
    chunks.append(data[start:])
    return chunks


async def reply(ws, message_type, message):
    await ws.send(to_json({"type": message_type, "message": message}))


def first_offered(client_subprotocols, server_subprotocols):
    """The first subprotocol the client offers."""
    return client_subprotocols[0] if client_subprotocols else None


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--max-message-size", type=int, default=1024 * 1024)
    options = parser.parse_args()

    peer = Peer(Log(options.log), options.max_message_size)
    server = await websockets.serve(
        peer.handle,
        "127.0.0.1",
        options.port,
        max_size=options.max_message_size,
        compression="deflate",
        subprotocols=["*"],  # any non-empty list: first_offered decides
        select_subprotocol=first_offered,
        ping_interval=None,  # the peer never pings on its own
        close_timeout=5,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening 127.0.0.1:{port} python={platform.python_version()} websockets={websockets.version.version}", flush=True)
    await asyncio.Future()


def exit_when_stdin_closes():
    """Never outlive the test run that started this process: its standard input is a pipe from the tests."""
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    asyncio.run(main())
