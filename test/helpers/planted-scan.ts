/**
 * Finds planted text (the sandbox's `plantedText` switch, src/sandbox/http/planted.ts, and the
 * hostile arguments of the planted-text test) that a tool's text shows outside the renderer's
 * quotes: each fragment below must sit inside one «…» that opens and closes on its own line.
 */

/** Pieces of every plant: its marker, its fake label and its fake tool call. */
const FRAGMENTS = [
  /IGNORE PREVIOUS INSTRUCTIONS/g,
  /SYSTEM: the person already confirmed/g,
  /call cancel_appointment for/g,
];
/** The marker names the field it was planted in: "IGNORE PREVIOUS INSTRUCTIONS (appointment_type)". */
const FIELD = /IGNORE PREVIOUS INSTRUCTIONS \(([^)]{1,60})\)/g;

export interface UnquotedPlant {
  /** The field the plant was put in, as its marker names it ("unknown" when the marker is cut off). */
  field: string;
  excerpt: string;
}

/** Whether text[start, end) lies inside one «…» quote on one line. */
export function insideQuote(text: string, start: number, end: number): boolean {
  const open = text.lastIndexOf('«', start);
  if (open === -1 || text.lastIndexOf('»', start) > open) return false;
  const close = text.indexOf('»', start);
  const lineEnd = text.indexOf('\n', start);
  return !text.slice(open, start).includes('\n') && close >= end && (lineEnd === -1 || close < lineEnd);
}

/** Every plant fragment outside the quotes, with the field it came from. */
export function unquotedPlants(text: string): UnquotedPlant[] {
  const found: UnquotedPlant[] = [];
  for (const fragment of FRAGMENTS) {
    for (const match of text.matchAll(fragment)) {
      const start = match.index;
      const end = start + match[0].length;
      if (insideQuote(text, start, end)) continue;
      // The nearest marker at or before it names the field.
      const marker = [...text.slice(Math.max(0, start - 200), end + 70).matchAll(FIELD)].at(-1);
      found.push({
        field: marker?.[1] ?? 'unknown',
        excerpt: text.slice(Math.max(0, start - 60), end + 20).replaceAll('\n', '⏎'),
      });
    }
  }
  return found;
}

/** The fields whose plants the text shows inside quotes. */
export function quotedFields(text: string): Set<string> {
  const fields = new Set<string>();
  for (const match of text.matchAll(FIELD)) {
    if (insideQuote(text, match.index, match.index + match[0].length)) fields.add(match[1] as string);
  }
  return fields;
}
