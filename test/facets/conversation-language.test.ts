import { describe, expect, it } from 'vitest';
import { conversationLanguage } from '../../src/facets/language.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { canaryConversation, CANARY_VALUES } from '../helpers/canary.ts';

const conv = (content: Conversation['messages'][number]['content'], language?: string): Conversation => ({
  id: 'c', account_id: 'a', timestamp: '2026-11-27T14:00:00Z', messages: [{ role: 'user', content }], ...(language === undefined ? {} : { metadata: { language } }),
});

describe('conversationLanguage (the language a conversation is counted under)', () => {
  it('takes the sender\'s ISO 639 code, by its primary subtag', () => {
    expect(conversationLanguage(conv('Hello there, how are you?', 'sw'))).toBe('sw');
    expect(conversationLanguage(conv('Olá', 'pt-BR'))).toBe('pt');
    expect(conversationLanguage(conv('x', 'ZH_Hant'))).toBe('zh');
  });

  it('detects the language from the first user message when the sender gives none, or no code', () => {
    expect(conversationLanguage(conv('¿Cómo puedo aprender a tocar la guitarra rápidamente? Gracias por la ayuda.'))).toBe('es');
    expect(conversationLanguage(conv([{ type: 'text', text: 'Wie kann ich das Problem mit dem Server lösen? Bitte hilf mir.' }], 'German please'))).toBe('de');
    expect(conversationLanguage(conv('Как я могу быстро научиться играть на гитаре?', 'und'))).toBe('ru');
  });

  it('is null when nothing tells the language', () => {
    expect(conversationLanguage(conv('12345 ??? !!!'))).toBeNull();
    expect(conversationLanguage({ ...conv('x'), messages: [{ role: 'assistant', content: 'Hello, how can I help you today?' }] })).toBeNull();
  });

  it('returns a short code and never any of the text or metadata it read', () => {
    const planted = { ...canaryConversation('2026-11-27T14:00:00Z'), metadata: { language: CANARY_VALUES.join(' ') } };
    const out = conversationLanguage(planted);
    expect(out === null || /^[a-z]{2,3}$/.test(out)).toBe(true);
    for (const canary of CANARY_VALUES) expect(String(out)).not.toContain(canary);
  });
});
