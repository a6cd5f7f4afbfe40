/**
 * The segments a conversation is counted under, beside one another in the same count columns: all
 * traffic, its product (metadata.product) and its language. Here, below the store and the rules,
 * because both speak of them: the store keys counts by segment, a rule's match names one.
 */

/** The product segment that means "all traffic". */
export const ALL_PRODUCTS = '';

/**
 * The segment of one language's counts, beside the product segments in the same columns: a product
 * segment is a plain identifier (no colon), so the two never collide. Products and languages are
 * not crossed (a conversation counts under all traffic, its product and its language).
 */
export function languageSegment(language: string): string {
  return `lang:${language}`;
}
