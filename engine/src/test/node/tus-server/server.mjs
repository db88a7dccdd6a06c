// @tus/server 2.x set up the two ways blobsync's tests need, on 127.0.0.1:
//
//   node server.mjs --mode plain --dir DIR [--port 0]
//     A self-hoster's @tus/server: tus at /files, each upload named by its `objectName`
//     metadata (namingFunction), stored by @tus/file-store in DIR/store. The read side serves
//     that folder at /blobs/<name> (HEAD, GET with one Range, DELETE), finished uploads only.
//
//   node server.mjs --mode supabase --dir DIR --bucket NAME --key KEY [--port 0]
//     Supabase Storage's resumable endpoint as its storage API sets up @tus/server: tus at
//     /storage/v1/upload/resumable, uploads named from `bucketName`/`objectName` metadata plus a
//     version, `authorization: Bearer KEY` and `apikey: KEY` on every request but OPTIONS,
//     every PATCH but the last exactly 6 MiB, `x-upsert: false` answered 409 "The resource already
//     exists" when the object is there, and a per-object lock: a request for an object another
//     upload is writing is answered 409 "Resource already locked". Objects are served at
//     /storage/v1/object/authenticated/<bucket>/<name> (HEAD, GET with Range), deleted with
//     DELETE /storage/v1/object/<bucket>/<name>, and signed with POST /storage/v1/object/sign/...
//
// Both print one line `{"port": N}` once listening. For tests, /_test/stats answers what the
// server received (JSON) and /_test/hold?at=N, /_test/release and /_test/cut hold the store's
// writes at a byte count, let them go, or fail them as when a client's connection dies.

import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import stream from 'node:stream';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const args = parseArgs(process.argv.slice(2));
const mode = args.mode ?? 'plain';
if (!['plain', 'supabase'].includes(mode) || !args.dir) {
  fail('usage: node server.mjs --mode plain|supabase --dir DIR [--port N] [--bucket B --key K]');
}
if (mode === 'supabase' && (!args.bucket || !args.key)) {
  fail('supabase mode needs --bucket and --key');
}
const CHUNK = 6 * 1024 * 1024;
const dir = path.resolve(args.dir);
const stats = { received: 0, writes: [], answers: [], heads: [], finished: {}, locked: 0, exists: 0 };

// --- the store: @tus/file-store, counting (and, for tests, holding) the bytes it is given ---

const gate = { at: Infinity, cuts: 0, waiters: new Set() };

function openGate() {
  for (const w of gate.waiters) w();
  gate.waiters.clear();
}

/** Passes bytes on while the total received stays below the hold point. */
function meter() {
  return new stream.Transform({
    async transform(chunk, _enc, done) {
      let rest = chunk;
      const cutsBefore = gate.cuts;
      try {
        while (rest.length > 0) {
          while (stats.received >= gate.at) {
            await new Promise((resolve) => gate.waiters.add(resolve));
            if (gate.cuts !== cutsBefore) throw new Error('connection cut while held');
          }
          const n = Math.min(rest.length, gate.at - stats.received);
          this.push(rest.subarray(0, n));
          stats.received += n;
          this.bytes = (this.bytes ?? 0) + n;
          rest = rest.subarray(n);
        }
        done();
      } catch (e) {
        done(e);
      }
    },
  });
}

class CountingFileStore extends FileStore {
  async write(readable, id, offset) {
    const counted = meter();
    const entry = { id, offset, bytes: 0 };
    stats.writes.push(entry);
    readable.on('error', (e) => counted.destroy(e));
    try {
      return await super.write(readable.pipe(counted), id, offset);
    } finally {
      entry.bytes = counted.bytes ?? 0;
    }
  }
}

const store = new CountingFileStore({ directory: path.join(dir, 'store') });

// --- plain mode: the one hook a self-hoster adds is the namingFunction ---

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

async function finished(id) {
  try {
    const upload = await store.getUpload(id);
    return upload.size !== undefined && upload.offset === upload.size ? upload : null;
  } catch {
    return null;
  }
}

function plainServer() {
  return new Server({
    path: '/files',
    datastore: store,
    // Name each upload by its objectName metadata. A name that is already stored is refused:
    // the file store would otherwise truncate the stored file to start the new upload.
    async namingFunction(_req, metadata) {
      const name = metadata?.objectName;
      if (!name || !PLAIN_NAME.test(name)) {
        throw { status_code: 400, body: 'objectName metadata missing or not a plain file name\n' };
      }
      if (await finished(name)) {
        stats.exists++;
        throw { status_code: 409, body: 'The resource already exists\n' };
      }
      return name;
    },
    onUploadFinish(_req, upload) {
      stats.finished[upload.id] = (stats.finished[upload.id] ?? 0) + 1;
      return {};
    },
  });
}

// --- supabase mode ---

const objectsFile = path.join(dir, 'objects.json');
const objects = new Map(); // "bucket/name" -> { id, size }

function loadObjects() {
  try {
    for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(objectsFile, 'utf8')))) objects.set(k, v);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
}

async function saveObjects() {
  const tmp = `${objectsFile}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(Object.fromEntries(objects)));
  await fsp.rename(tmp, objectsFile);
}

/** An upload id is bucket/objectName/version; URLs carry it base64url-encoded. */
function parseId(id) {
  const first = id.indexOf('/');
  const last = id.lastIndexOf('/');
  if (first <= 0 || last <= first) return null;
  return { bucket: id.slice(0, first), name: id.slice(first + 1, last), version: id.slice(last + 1) };
}

const objectLocks = new Map(); // "bucket/name" -> { id, requestRelease }

/**
 * One lock per object, as Supabase's advisory lock on the object: a second request of the same
 * upload waits for the first to let go; a request of another upload of that object gets 409.
 */
class ObjectLocker {
  newLock(id) {
    const parsed = parseId(id);
    const key = parsed ? `${parsed.bucket}/${parsed.name}` : id;
    let held = false;
    return {
      async lock(signal, requestRelease) {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const current = objectLocks.get(key);
          if (!current) {
            objectLocks.set(key, { id, requestRelease });
            held = true;
            return;
          }
          if (current.id !== id) {
            stats.locked++;
            throw { status_code: 409, body: 'Resource already locked' };
          }
          await current.requestRelease?.();
          if (signal.aborted || Date.now() > deadline) {
            throw { status_code: 500, body: 'failed to acquire lock before timeout' };
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      async unlock() {
        if (held && objectLocks.get(key)?.id === id) objectLocks.delete(key);
        held = false;
      },
    };
  }
}

function supabaseServer() {
  return new Server({
    path: '/storage/v1/upload/resumable',
    datastore: store,
    locker: new ObjectLocker(),
    disableTerminationForFinishedUploads: true,
    namingFunction(_req, metadata) {
      const bucket = metadata?.bucketName;
      const name = metadata?.objectName;
      if (!bucket || !name) throw { status_code: 400, body: 'Metadata header is required' };
      if (name.includes('..') || name.startsWith('/')) throw { status_code: 400, body: 'Invalid key' };
      return `${bucket}/${name}/${crypto.randomUUID()}`;
    },
    generateUrl(_req, { proto, host, path: base, id }) {
      return `${proto}://${host}${base}/${Buffer.from(id, 'utf8').toString('base64url')}`;
    },
    getFileIdFromRequest(_req, last) {
      if (!last || last === 'resumable') return undefined;
      const id = Buffer.from(last, 'base64url').toString('utf8');
      return parseId(id) ? id : undefined;
    },
    async onIncomingRequest(req, id) {
      if (req.method === 'OPTIONS' || req.method === 'HEAD') return;
      const parsed = parseId(id);
      if (parsed.bucket !== args.bucket) throw { status_code: 404, body: 'Bucket not found' };
      if (objects.has(`${parsed.bucket}/${parsed.name}`) && req.headers.get('x-upsert') !== 'true') {
        stats.exists++;
        throw { status_code: 409, body: 'The resource already exists' };
      }
    },
    async onUploadFinish(req, upload) {
      const { bucket, name } = parseId(upload.id);
      const key = `${bucket}/${name}`;
      if (objects.has(key) && req.headers.get('x-upsert') !== 'true') {
        stats.exists++;
        await store.remove(upload.id).catch(() => {});
        throw { status_code: 409, body: 'The resource already exists' };
      }
      const old = objects.get(key);
      objects.set(key, { id: upload.id, size: upload.size });
      await saveObjects();
      if (old && old.id !== upload.id) await store.remove(old.id).catch(() => {});
      stats.finished[key] = (stats.finished[key] ?? 0) + 1;
      return { headers: { 'Tus-Complete': '1' } };
    },
  });
}

/** 401/403 as Supabase's gateway and storage API answer a missing or wrong key. */
function authorized(req, res) {
  if (req.headers.apikey !== args.key) {
    sendJson(res, 401, { message: 'Invalid API key' });
    return false;
  }
  if (req.headers.authorization !== `Bearer ${args.key}`) {
    sendJson(res, 403, { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' });
    return false;
  }
  return true;
}

/** Every PATCH but the one that ends the upload must carry exactly 6 MiB. */
async function chunkRuleBroken(req, id) {
  const length = Number(req.headers['content-length']);
  const offset = Number(req.headers['upload-offset']);
  let size;
  try {
    size = (await store.getUpload(id)).size;
  } catch {
    return false; // tus answers for a missing upload
  }
  return !(length === CHUNK || (Number.isFinite(length) && offset + length === size));
}

function signToken(objectPath, expiresIn) {
  const payload = Buffer.from(JSON.stringify({ url: objectPath, exp: Date.now() + expiresIn * 1000 })).toString('base64url');
  const mac = crypto.createHmac('sha256', args.key).update(payload).digest('base64url');
  return `${payload}.${mac}`;
}

function verifyToken(token, objectPath) {
  const [payload, mac] = String(token).split('.');
  if (!payload || !mac) return false;
  const expected = crypto.createHmac('sha256', args.key).update(payload).digest('base64url');
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return claims.url === objectPath && claims.exp > Date.now();
}

async function supabaseObjects(req, res, url) {
  const p = url.pathname;
  const signed = p.match(/^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/);
  if (signed && req.method === 'GET') {
    const objectPath = `${signed[1]}/${decodeURIComponent(signed[2])}`;
    if (!verifyToken(url.searchParams.get('token'), objectPath)) {
      return sendJson(res, 400, { statusCode: '403', error: 'InvalidSignature', message: 'Invalid signature' });
    }
    return serveObject(req, res, objectPath);
  }
  if (!authorized(req, res)) return;
  if (signed && req.method === 'POST') {
    const body = JSON.parse((await readBody(req)) || '{}');
    const objectPath = `${signed[1]}/${decodeURIComponent(signed[2])}`;
    if (!objects.has(objectPath)) return sendJson(res, 404, { statusCode: '404', error: 'not_found', message: 'Object not found' });
    const token = signToken(objectPath, Number(body.expiresIn) || 60);
    return sendJson(res, 200, { signedURL: `/object/sign/${signed[1]}/${signed[2]}?token=${token}` });
  }
  const read = p.match(/^\/storage\/v1\/object\/authenticated\/([^/]+)\/(.+)$/);
  if (read && (req.method === 'GET' || req.method === 'HEAD')) {
    return serveObject(req, res, `${read[1]}/${decodeURIComponent(read[2])}`);
  }
  const del = p.match(/^\/storage\/v1\/object\/([^/]+)\/(.+)$/);
  if (del && req.method === 'DELETE') {
    const key = `${del[1]}/${decodeURIComponent(del[2])}`;
    const object = objects.get(key);
    if (!object) return sendJson(res, 404, { statusCode: '404', error: 'not_found', message: 'Object not found' });
    objects.delete(key);
    await saveObjects();
    await store.remove(object.id).catch(() => {});
    return sendJson(res, 200, { message: 'Successfully deleted' });
  }
  return sendJson(res, 404, { statusCode: '404', error: 'not_found', message: 'Route not found' });
}

async function serveObject(req, res, objectPath) {
  const object = objects.get(objectPath);
  if (!object) return sendJson(res, 404, { statusCode: '404', error: 'not_found', message: 'Object not found' });
  return serveFile(req, res, store.resolve(object.id));
}

// --- plain read side: the store's folder over HTTP, finished uploads only ---

async function plainBlobs(req, res, url) {
  const name = decodeURIComponent(url.pathname.slice('/blobs/'.length));
  if (!PLAIN_NAME.test(name)) return sendText(res, 404, 'Not found\n');
  if (req.method === 'DELETE') {
    await store.remove(name).catch(() => {});
    return sendText(res, 204, '');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed\n');
  if (!(await finished(name))) return sendText(res, 404, 'Not found\n');
  return serveFile(req, res, store.resolve(name));
}

// --- shared HTTP pieces ---

async function serveFile(req, res, file) {
  let size;
  try {
    size = (await fsp.stat(file)).size;
  } catch {
    return sendText(res, 404, 'Not found\n');
  }
  let from = 0;
  let to = size - 1;
  const headers = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
  let status = 200;
  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    if (!m) return sendText(res, 400, 'only single byte ranges\n');
    from = Number(m[1]);
    if (m[2] !== '') to = Math.min(to, Number(m[2]));
    if (from >= size || to < from) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      return res.end();
    }
    status = 206;
    headers['Content-Range'] = `bytes ${from}-${to}/${size}`;
  }
  const length = size === 0 ? 0 : to - from + 1;
  headers['Content-Length'] = length;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || length === 0) return res.end();
  fs.createReadStream(file, { start: from, end: to }).pipe(res);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res, status, text) {
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function testControl(req, res, url) {
  switch (url.pathname) {
    case '/_test/stats':
      return sendJson(res, 200, { ...stats, objects: Object.fromEntries(objects) });
    case '/_test/hold':
      gate.at = Number(url.searchParams.get('at'));
      openGate();
      return sendJson(res, 200, { holdAt: gate.at });
    case '/_test/release':
      gate.at = Infinity;
      openGate();
      return sendJson(res, 200, {});
    case '/_test/cut':
      gate.cuts++;
      gate.at = Infinity;
      openGate();
      return sendJson(res, 200, {});
    default:
      return sendText(res, 404, 'Not found\n');
  }
}

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i += 2) {
    if (!list[i].startsWith('--')) fail(`unexpected argument ${list[i]}`);
    out[list[i].slice(2)] = list[i + 1];
  }
  return out;
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The headers a response is sent with, lower-cased, as tus writes them in one writeHead call. */
function captureHeaders(res) {
  const seen = {};
  const writeHead = res.writeHead;
  res.writeHead = function (status, ...rest) {
    const h = rest.find((x) => x && typeof x === 'object');
    const pairs = !h ? [] : Array.isArray(h) ? (Array.isArray(h[0]) ? h : pairsOf(h)) : Object.entries(h);
    for (const [k, v] of pairs) seen[String(k).toLowerCase()] = v;
    return writeHead.call(this, status, ...rest);
  };
  return seen;
}

function pairsOf(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function uploadIdOf(tus, url) {
  const last = /([^/]+)\/?$/.exec(url.pathname)?.[1];
  if (!last || url.pathname === tusPath) return undefined;
  return mode === 'supabase' ? tus.options.getFileIdFromRequest(null, last) : decodeURIComponent(last);
}

// --- the server ---

if (mode === 'supabase') loadObjects();
const tus = mode === 'supabase' ? supabaseServer() : plainServer();
const tusPath = tus.options.path;

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname.startsWith('/_test/')) return testControl(req, res, url);
    if (url.pathname === tusPath || url.pathname.startsWith(`${tusPath}/`)) {
      if (mode === 'supabase' && req.method !== 'OPTIONS' && !authorized(req, res)) return;
      const id = uploadIdOf(tus, url);
      if (mode === 'supabase' && req.method === 'PATCH' && id && (await chunkRuleBroken(req, id))) {
        return sendText(res, 400, 'Each chunk but the last must be exactly 6MiB\n');
      }
      const answered = captureHeaders(res);
      res.on('finish', () => {
        stats.answers.push({ method: req.method, id, status: res.statusCode });
        const offset = answered['upload-offset'];
        if (req.method === 'HEAD' && offset !== undefined) stats.heads.push({ id, offset: Number(offset) });
      });
      return await tus.handle(req, res);
    }
    if (mode === 'supabase' && url.pathname.startsWith('/storage/v1/object/')) return await supabaseObjects(req, res, url);
    if (mode === 'plain' && url.pathname.startsWith('/blobs/')) return await plainBlobs(req, res, url);
    return sendText(res, 404, 'Not found\n');
  } catch (e) {
    process.stderr.write(`request failed: ${e?.stack ?? e}\n`);
    if (!res.headersSent) sendText(res, 500, 'Internal error\n');
    else res.destroy();
  }
});

server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
