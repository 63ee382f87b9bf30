import { inflateSync } from 'node:zlib';

/**
 * Just enough of a PDF reader to get the text of Chromium's PDFs in tests (no PDF tool is
 * installed): objects and Flate streams, each font's ToUnicode map, and the strings shown by
 * Tj/TJ under each Tf. Returns the text of every content stream in order, one string each.
 */
export function pdfText(pdf: Buffer): string[] {
  const source = pdf.toString('latin1');
  const objects = new Map<number, { dict: string; stream?: Buffer }>();
  const objectRe = /(\d+) 0 obj\s*([\s\S]*?)endobj/g;
  for (let m = objectRe.exec(source); m; m = objectRe.exec(source)) {
    const body = m[2]!;
    const s = body.indexOf('stream');
    if (s < 0) {
      objects.set(Number(m[1]), { dict: body });
      continue;
    }
    const dict = body.slice(0, s);
    let start = m.index + m[0].indexOf(body) + s + 'stream'.length;
    if (source[start] === '\r') start++;
    if (source[start] === '\n') start++;
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    let raw = pdf.subarray(start, start + length);
    if (/\/FlateDecode/.test(dict)) raw = inflateSync(raw);
    objects.set(Number(m[1]), { dict, stream: raw });
  }

  const cmaps = new Map<number, Map<number, string>>();
  const cmapOf = (fontId: number): Map<number, string> => {
    let map = cmaps.get(fontId);
    if (map) return map;
    map = new Map();
    const ref = /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontId)?.dict ?? '')?.[1];
    const text = ref ? (objects.get(Number(ref))?.stream?.toString('latin1') ?? '') : '';
    const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
    for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, src, dst] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(src!, 16), utf16(dst!));
    }
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, lo, hi, dst] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
        const base = parseInt(dst!, 16);
        for (let c = parseInt(lo!, 16); c <= parseInt(hi!, 16); c++) map.set(c, String.fromCharCode(base + c - parseInt(lo!, 16)));
      }
    }
    cmaps.set(fontId, map);
    return map;
  };

  // Font resource names to font objects, from every /Font dictionary in the file.
  const fontNames = new Map<string, number>();
  for (const { dict } of objects.values()) {
    for (const fonts of dict.matchAll(/\/Font\s*<<([\s\S]*?)>>/g)) {
      for (const [, name, id] of fonts[1]!.matchAll(/\/([A-Za-z0-9_.+-]+)\s+(\d+) 0 R/g)) fontNames.set(name!, Number(id));
    }
  }

  const out: string[] = [];
  for (const { stream } of objects.values()) {
    if (!stream) continue;
    const content = stream.toString('latin1');
    if (!/\bTf\b/.test(content) || !/\bT[Jj]\b/.test(content)) continue;
    let font = new Map<number, string>();
    let text = '';
    const tokens = /\/([A-Za-z0-9_.+-]+)\s+[\d.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj|\bET\b/g;
    const decode = (hex: string) => (hex.match(/.{4}/g) ?? []).map((h) => font.get(parseInt(h, 16)) ?? '').join('');
    for (const t of content.matchAll(tokens)) {
      if (t[1]) font = cmapOf(fontNames.get(t[1]) ?? -1);
      else if (t[2] !== undefined) {
        for (const part of t[2].matchAll(/<([0-9a-fA-F]*)>|(-?[\d.]+)/g)) {
          if (part[1] !== undefined) text += decode(part[1]);
          else if (Number(part[2]) < -200) text += ' ';
        }
      } else if (t[3] !== undefined) text += decode(t[3]);
      else text += '\n';
    }
    out.push(text);
  }
  return out;
}
