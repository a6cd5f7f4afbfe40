import { describe, expect, it } from 'vitest';
import { detectLanguage } from '../../src/facets/language.ts';

describe('detectLanguage', () => {
  it.each([
    ['en', 'Can you help me write a cover letter for a job in marketing? I have five years of experience.'],
    ['es', '¿Puedes ayudarme a escribir una carta para el dueño de mi piso? La calefacción no funciona.'],
    ['fr', "Bonjour, peux-tu m'aider à écrire une lettre pour mon propriétaire ? Le chauffage ne marche pas."],
    ['de', 'Hallo, kannst du mir bitte helfen, einen Brief an meinen Vermieter zu schreiben? Die Heizung ist kaputt.'],
    ['pt', 'Olá, você pode me ajudar a escrever uma carta para o meu senhorio? O aquecimento não funciona.'],
    ['it', 'Ciao, puoi aiutarmi a scrivere una lettera per il mio padrone di casa? Il riscaldamento non funziona.'],
    ['nl', 'Hallo, kun je mij helpen een brief te schrijven naar mijn huisbaas? De verwarming doet het niet.'],
    ['ru', 'Привет, помоги мне написать письмо арендодателю. Отопление не работает.'],
    ['zh', '你好，请帮我给房东写一封信，暖气坏了。'],
    ['ja', 'こんにちは、大家さんに手紙を書くのを手伝ってください。暖房が壊れています。'],
    ['ko', '안녕하세요, 집주인에게 보낼 편지를 써 주세요. 난방이 고장났어요.'],
    ['ar', 'مرحبا، هل يمكنك مساعدتي في كتابة رسالة إلى المالك؟ التدفئة لا تعمل.'],
    ['zh', '帮我写一个Python函数，计算列表的平均值'],
    ['und', ''],
    ['und', '12345 !!! ???'],
    ['und', 'ok'],
  ])('%s ← %s', (expected, text) => {
    expect(detectLanguage(text)).toBe(expected);
  });
});
