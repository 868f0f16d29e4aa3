/**
 * Imported first by a test file, so that it runs before any module of the SDK
 * (ky reads what the engine supports once, as it loads): this page's engine
 * then lacks `AbortSignal.any` (Safari before 17.4) and `AbortSignal.timeout`
 * (Safari before 16), as an older one does.
 */
export const removed = ['any', 'timeout'].filter((name) => Reflect.deleteProperty(AbortSignal, name) && !(name in AbortSignal));
