import { parseRules, type Rule } from '../../src/rules/rules.ts';

/** The rule limits the emergence tests parse their rules with: 5-minute buckets, 10 accounts and 20 conversations. */
export const RULE_LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

/** One emerging rule as a rules file states it: a 6-hour horizon, joined at 0.65 similarity, 10 accounts. */
export const EMERGING_RULE: Rule = parseRules(
  `
rules:
  - name: new-patterns
    kind: emerging
    description: New patterns.
    min_accounts: 10
    emerging: { horizon: 6h, min_similarity: 0.65 }
`,
  'rules.yaml',
  RULE_LIMITS,
).rules[0]!;
