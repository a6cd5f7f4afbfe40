/** A conversation as the input contract (schemas/conversation.schema.json) defines it. */
export interface Conversation {
  id: string;
  account_id: string;
  timestamp: string;
  messages: Message[];
  metadata?: { product?: string; model?: string; language?: string; [key: string]: unknown };
}

export interface Message {
  role: 'user' | 'assistant' | 'system';
  content: string | ContentBlock[];
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id?: string; content?: string | Array<{ type: string; [key: string]: unknown }>; is_error?: boolean }
  | { type: 'image'; source: { type: string; [key: string]: unknown } };

/** A validated conversation with its event time parsed once. */
export interface ValidConversation {
  conversation: Conversation;
  eventTimeMs: number;
}
