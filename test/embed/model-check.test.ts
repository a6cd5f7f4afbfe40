import { describe, expect, it } from 'vitest';
import { assertSameModel } from '../../src/embed/model-check.ts';
import { ClioError } from '../../src/errors.ts';

describe('assertSameModel', () => {
  const catalog = { modelId: 'energetic-ai/use-lite-512@0.2.0', dimension: 512 };

  it('accepts the model the catalog was built with', () => {
    expect(() => assertSameModel(catalog, { ...catalog })).not.toThrow();
  });

  it('refuses another model with a message that says what to do', () => {
    let error: unknown;
    try {
      assertSameModel(catalog, { modelId: 'openai-compatible/bge-base', dimension: 768 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ClioError);
    expect(error).toMatchObject({
      code: 'model_mismatch',
      retryable: false,
      message:
        'catalog was built with energetic-ai/use-lite-512@0.2.0 (d=512) but the embedder is openai-compatible/bge-base (d=768): rebuild the catalog or configure the same model',
    });
  });

  it('refuses the same name with another dimension, and another version of the same weights', () => {
    expect(() => assertSameModel(catalog, { modelId: catalog.modelId, dimension: 256 })).toThrow(/d=256/);
    expect(() => assertSameModel(catalog, { modelId: 'energetic-ai/use-lite-512@0.3.0', dimension: 512 })).toThrow(ClioError);
  });
});
