'use strict';
// The Node.js `ws` interop peer: an echo server with the in-band controls of tests/interop/README.md.
// Usage: node server.js --port 0 [--log FILE] [--max-message-size BYTES]
// Prints "listening 127.0.0.1:PORT node=... ws=..." as its first line; exits when its standard input closes.

const fs = require('fs');
const http = require('http');
const { WebSocketServer } = require('ws');
const wsVersion = require('ws/package.json').version;

const options = parseArguments(process.argv.slice(2));
const log = openLog(options.log);
const seenIds = log.recordedIds();
let connectionCount = 0;

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: options.maxMessageSize,
  perMessageDeflate: { threshold: 0 },
  closeTimeout: 5000,
  // The first subprotocol the client offers (the default of ws, said out loud).
  handleProtocols: (protocols) => (protocols.size > 0 ? protocols.values().next().value : false),
});

// The response headers of each handshake, to report the negotiated extensions exactly as sent.
wss.on('headers', (headers, request) => {
  const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
  request.negotiatedExtensions = line ? line.slice(line.indexOf(':') + 1).trim() : null;
});

const server = http.createServer((request, response) => {
  response.writeHead(426, { 'Content-Type': 'text/plain' });
  response.end('WebSocket only\n');
});
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request, socket));
});
server.listen(options.port, '127.0.0.1', () => {
  console.log(`listening 127.0.0.1:${server.address().port} node=${process.versions.node} ws=${wsVersion}`);
});

// Never outlive the test run that started this process: its standard input is a pipe from the tests.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

function onConnection(ws, request, socket) {
  const conn = `${process.pid}.${++connectionCount}`;
  const url = new URL(request.url, 'http://peer');
  const ackMode = url.pathname === '/ack';
  // ctl:refuse: ids whose message is answered with an error instead of its echo and ack (this connection only).
  const refusals = new Map();
  log.write({ conn, event: 'open', path: url.pathname, query: url.search, subprotocol: ws.protocol || null });

  ws.on('message', (data, isBinary) => {
    // After ctl:silence, even what ws had already read is dropped.
    if (ws.isPaused) return;
    if (isBinary) {
      log.write({ conn, event: 'binary', size: data.length });
      ws.send(data, { binary: true });
      return;
    }
    const text = data.toString('utf8');
    if (text.startsWith('ctl:')) {
      log.write({ conn, event: 'control', command: text });
      runControl(ws, request, socket, text, refusals);
      return;
    }
    const entry = { conn, event: 'text', size: data.length };
    if (data.length <= 4096) entry.text = text;
    const id = ackMode || refusals.size > 0 ? messageId(text) : undefined;
    const refusal = id !== undefined ? refusals.get(id) : undefined;
    if (refusal !== undefined) {
      refusals.delete(id);
      log.write({ ...entry, id, refused: true });
      ws.send(JSON.stringify({ type: 'error', id, code: refusal.code, message: refusal.message }));
      return;
    }
    if (!ackMode) {
      log.write(entry);
      ws.send(data, { binary: false });
      return;
    }
    if (id !== undefined) {
      entry.id = id;
      entry.duplicate = seenIds.has(id);
    }
    log.write(entry);
    if (!entry.duplicate) ws.send(data, { binary: false });
    if (id !== undefined) {
      seenIds.add(id);
      ws.send(JSON.stringify({ type: 'ack', id }));
    }
  });
  ws.on('error', (error) => log.write({ conn, event: 'error', code: error.code || null, message: error.message }));
  ws.on('close', (code, reason) => log.write({ conn, event: 'close', code, reason: reason.toString('utf8') }));
}

function runControl(ws, request, socket, text, refusals) {
  const [command, ...rest] = text.slice('ctl:'.length).split(' ');
  const argument = rest.join(' ');
  switch (command) {
    case 'close': {
      const [code, ...reason] = rest;
      try {
        ws.close(Number(code), reason.join(' '));
      } catch (error) {
        reply(ws, 'ctl-error', error.message);
      }
      return;
    }
    case 'abort':
      // An RST, no close frame (Node.js 16.17+).
      socket.resetAndDestroy();
      return;
    case 'silence':
      // Stop reading for good: no more echoes, no more pongs, the socket stays open.
      ws.pause();
      return;
    case 'send-text':
    case 'send-binary': {
      const size = Number(rest[0]);
      const frames = rest.length > 1 ? Number(rest[1]) : 1;
      if (!Number.isInteger(size) || size < 0 || !Number.isInteger(frames) || frames < 1) {
        reply(ws, 'ctl-error', `usage: ctl:${command} <bytes> [frames]`);
        return;
      }
      const binary = command === 'send-binary';
      const payload = binary ? binaryPattern(size) : textPattern(size);
      sendFrames(ws, splitEvenly(payload, frames), binary);
      return;
    }
    case 'send-fragmented':
      sendFrames(ws, splitInsideCharacters(Buffer.from(argument, 'utf8')), false);
      return;
    case 'send-invalid-utf8':
      ws.send(INVALID_UTF8, { binary: false });
      return;
    case 'refuse': {
      const [id, code, ...message] = rest;
      if (!id || !/^\d+$/.test(code || '')) {
        reply(ws, 'ctl-error', 'usage: ctl:refuse <id> <code> [message]');
        return;
      }
      refusals.set(id, { code: Number(code), message: message.join(' ') });
      return;
    }
    case 'handshake':
      ws.send(JSON.stringify({
        type: 'handshake',
        path: new URL(request.url, 'http://peer').pathname,
        query: new URL(request.url, 'http://peer').search,
        headers: headersOf(request.rawHeaders),
        subprotocol: ws.protocol || null,
        extensions: request.negotiatedExtensions || null,
      }));
      return;
    default:
      reply(ws, 'ctl-error', `unknown control: ${text}`);
  }
}

// "hi" followed by two bytes that are never valid in UTF-8.
const INVALID_UTF8 = Buffer.from([0x68, 0x69, 0xff, 0xfe]);

function sendFrames(ws, chunks, binary) {
  chunks.forEach((chunk, index) => ws.send(chunk, { binary, fin: index === chunks.length - 1 }));
}

function textPattern(size) {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = 0x61 + (i % 26);
  return buffer;
}

function binaryPattern(size) {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buffer[i] = i % 251;
  return buffer;
}

function splitEvenly(payload, frames) {
  const chunks = [];
  const step = Math.ceil(payload.length / frames);
  for (let i = 0; i < frames; i++) chunks.push(payload.subarray(Math.min(i * step, payload.length), Math.min((i + 1) * step, payload.length)));
  return chunks;
}

// A frame ends right after the first byte of every multi-byte character; a text without one is cut in the middle.
function splitInsideCharacters(bytes) {
  const cuts = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc0) cuts.push(i + 1);
  if (cuts.length === 0 && bytes.length >= 2) cuts.push(bytes.length >> 1);
  const chunks = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function headersOf(rawHeaders) {
  const headers = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  return headers;
}

function messageId(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
}

function reply(ws, type, message) {
  ws.send(JSON.stringify({ type, message }));
}

// One JSON object a line, appended and handed to the kernel before the echo or ack goes out.
function openLog(path) {
  if (!path) return { write() {}, recordedIds: () => new Set() };
  return {
    write(entry) {
      fs.appendFileSync(path, `${JSON.stringify(entry)}\n`);
    },
    // The ids already acknowledged by earlier runs of this peer on the same log: de-duplication survives a restart.
    recordedIds() {
      const ids = new Set();
      if (!fs.existsSync(path)) return ids;
      for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
        try {
          const entry = JSON.parse(line);
          if (entry.event === 'text' && typeof entry.id === 'string' && !entry.refused) ids.add(entry.id);
        } catch {
          // A line cut short: skipped.
        }
      }
      return ids;
    },
  };
}

function parseArguments(argv) {
  const parsed = { port: 0, log: null, maxMessageSize: 1024 * 1024 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--port': parsed.port = Number(value); break;
      case '--log': parsed.log = value; break;
      case '--max-message-size': parsed.maxMessageSize = Number(value); break;
      default:
        console.error(`unknown argument ${argv[i]}; usage: node server.js --port 0 [--log FILE] [--max-message-size BYTES]`);
        process.exit(2);
    }
  }
  return parsed;
}
