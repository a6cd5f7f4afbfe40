import { ClioError } from '../../errors.ts';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every API error answer: a stable code, a sentence, and for invalid input what is wrong where. */
export const errorResponseSchema = {
  $id: 'ApiError',
  type: 'object',
  additionalProperties: false,
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

/** The error statuses routes may answer with, each with the shared error schema (for `schema.response`). */
export const errorResponses = {
  400: { $ref: 'ApiError#' },
  401: { $ref: 'ApiError#' },
  403: { $ref: 'ApiError#' },
  404: { $ref: 'ApiError#' },
  409: { $ref: 'ApiError#' },
  429: { $ref: 'ApiError#' },
} as const;

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'too_many_requests',
};

/** An error a route answers with on purpose (status, code, message, optional details). */
export class ApiError extends ClioError {
  readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;
  constructor(statusCode: 400 | 401 | 403 | 404 | 409 | 429, message: string, details?: ErrorDetail[]) {
    super(CODES[statusCode]!, message);
    this.statusCode = statusCode;
    this.details = details;
  }

  body(): { error: string; message: string; details?: ErrorDetail[] } {
    return { error: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
