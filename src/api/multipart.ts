import { Readable } from 'node:stream';
import { validation } from '../app/errors.ts';

// The file of a multipart/form-data upload (a browser form, `curl -F file=@...`), streamed: its
// bytes pass on as they arrive and only a boundary's length is held back, so a registry download
// of hundreds of megabytes costs no memory. Form fields sent before the file come with it; parts
// after it are read and dropped.

const MAX_HEAD = 16 * 1024;
const MAX_FIELD = 64 * 1024;

export interface MultipartFile {
  fields: Record<string, string>;
  fileName: string | null;
  file: Readable;
}

export async function multipartFile(body: Readable, contentType: string): Promise<MultipartFile> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) throw validation('content-type', 'multipart/form-data without a boundary');
  const delimiter = Buffer.from(`\r\n--${m[1] ?? m[2]}`);
  const input = body[Symbol.asyncIterator]();
  // the body opens with the delimiter less its CRLF: lend it one so every part starts alike
  let buf = Buffer.from('\r\n');
  const more = async () => {
    const r = await input.next();
    if (!r.done) buf = Buffer.concat([buf, r.value as Buffer]);
    return !r.done;
  };
  /** Read until `needle` is in the buffer at or after `from`; its position. */
  const find = async (needle: Buffer, from: number, cap: number, what: string) => {
    for (;;) {
      const at = buf.indexOf(needle, from);
      if (at >= 0) return at;
      if (buf.length > cap) throw validation('body', `${what} is too long`);
      if (!(await more())) throw validation('body', `the multipart body ends inside ${what}`);
    }
  };

  const fields: Record<string, string> = {};
  for (;;) {
    const start = await find(delimiter, 0, MAX_FIELD, 'a form field');
    while (buf.length < start + delimiter.length + 2) if (!(await more())) break;
    const after = buf.subarray(start + delimiter.length, start + delimiter.length + 2).toString('latin1');
    if (after !== '\r\n') throw validation('body', 'the multipart body holds no file');
    buf = buf.subarray(start + delimiter.length + 2);
    const headEnd = await find(Buffer.from('\r\n\r\n'), 0, MAX_HEAD, "a part's headers");
    const head = buf.subarray(0, headEnd).toString('utf8');
    buf = buf.subarray(headEnd + 4);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const fileName = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (fileName !== undefined) return { fields, fileName: fileName || null, file: Readable.from(fileBytes()) };
    const end = await find(delimiter, 0, MAX_FIELD, `the form field '${name}'`);
    fields[name] = buf.subarray(0, end).toString('utf8');
    buf = buf.subarray(end);
  }

  async function* fileBytes() {
    const keep = delimiter.length - 1;
    for (;;) {
      const at = buf.indexOf(delimiter);
      if (at >= 0) {
        if (at) yield buf.subarray(0, at);
        while (!(await input.next()).done); // the parts after the file: read and dropped
        return;
      }
      if (buf.length > keep) {
        yield buf.subarray(0, buf.length - keep);
        buf = buf.subarray(buf.length - keep);
      }
      if (!(await more())) throw validation('body', 'the multipart body ends inside the file');
    }
  }
}
