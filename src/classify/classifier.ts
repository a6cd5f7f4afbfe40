/**
 * The harm signal of one conversation: the policy areas its own request falls in, and how
 * concerning it reads. Detection counts each area as a series of its own, beside leaves and
 * parents, because real harm is diffuse: one incident spreads over many topic clusters.
 */
export interface PolicySignal {
  /** Area ids of the taxonomy (alerts/policies.yaml), sorted; empty for most traffic. */
  areas: string[];
  /** 0 (benign) … 1 (clearly harmful). */
  concern: number;
}

/** What the classifier sees of one conversation: its redacted request text and the request facet's embedding. */
export interface ClassifierInput {
  text: string;
  vector: readonly number[];
  /** Areas from the facet extractor (Claude's structured classification): used instead of the offline guess. */
  facetAreas?: readonly string[];
  /** The facets' concerning score (1–5), blended into the concern when the facets came from Claude. */
  facetConcerning?: number;
}

/** The classification seam: one signal per input, in order. */
export interface PolicyClassifier {
  readonly name: string;
  classify(inputs: readonly ClassifierInput[]): PolicySignal[];
}

/** The series id under which a policy area is counted (beside cluster ids, which never contain a colon). */
export function areaSeriesId(areaId: string): string {
  return `area:${areaId}`;
}

export function isAreaSeries(seriesId: string): boolean {
  return seriesId.startsWith('area:');
}
