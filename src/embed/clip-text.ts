/**
 * The first `maxChars` UTF-16 units of a text, never ending inside a surrogate pair. The local
 * model's tokenizer is quadratic in text length (a 50 000-character text takes ~10 s), and a
 * sentence encoder says little more about a long text than about its opening.
 */
export function clipText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const code = text.charCodeAt(maxChars - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
  return text.slice(0, end);
}
