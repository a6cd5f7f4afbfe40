import { ClioError } from '../errors.ts';

/**
 * A failure of an embedder. Codes: `embed_model_load_failed`, `embed_worker_failed`,
 * `embed_request_failed`, `embed_bad_reply`, `embed_dimension_mismatch`, `embed_invalid_vector`,
 * `embed_closed`. Messages never carry the texts being embedded.
 */
export class EmbedError extends ClioError {}
