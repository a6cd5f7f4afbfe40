import type { ContentBlock, Conversation, Message } from '../ingest/conversation.ts';

/** A tool call as the conversation recorded it. */
export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

/** Runs of whitespace (including newlines) become one space; ends trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * At most `max` characters (the ellipsis included), cut at a word boundary when there is one in
 * the second half, never inside a surrogate pair.
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const space = cut.lastIndexOf(' ');
  if (space >= max / 2) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}

/** The text of a message: its string, or its text blocks joined (tool calls and images left out). */
export function messageText(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .filter((b): b is Extract<ContentBlock, { type: 'text' }> => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

/** The text of each user message, in order, empty ones dropped. */
export function userTexts(conversation: Conversation): string[] {
  return conversation.messages
    .filter((m) => m.role === 'user')
    .map(messageText)
    .filter((t) => t.trim().length > 0);
}

/** Every tool_use block of the conversation, in order. */
export function toolCalls(conversation: Conversation): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const message of conversation.messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) {
      if (block.type === 'tool_use') calls.push({ name: block.name, input: block.input ?? {} });
    }
  }
  return calls;
}

/** The action a tool call performed: the computer tool's `input.action`, otherwise the tool's name. */
export function toolActionName(call: ToolCall): string {
  return typeof call.input.action === 'string' ? call.input.action : call.name;
}

/** String values inside a tool call's input (typed text, commands, URLs), depth-bounded. */
export function toolInputStrings(input: unknown, depth = 3): string[] {
  if (typeof input === 'string') return [input];
  if (depth === 0 || input === null || typeof input !== 'object') return [];
  const values = Array.isArray(input) ? input : Object.values(input);
  return values.flatMap((v) => toolInputStrings(v, depth - 1));
}
