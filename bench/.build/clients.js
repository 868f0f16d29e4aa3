"use strict";
(() => {
  var __defProp = Object.defineProperty;
  var __typeError = (msg) => {
    throw TypeError(msg);
  };
  var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
  var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);
  var __accessCheck = (obj, member, msg) => member.has(obj) || __typeError("Cannot " + msg);
  var __privateGet = (obj, member, getter) => (__accessCheck(obj, member, "read from private field"), getter ? getter.call(obj) : member.get(obj));
  var __privateAdd = (obj, member, value) => member.has(obj) ? __typeError("Cannot add the same private member more than once") : member instanceof WeakSet ? member.add(obj) : member.set(obj, value);
  var __privateSet = (obj, member, value, setter) => (__accessCheck(obj, member, "write to private field"), setter ? setter.call(obj, value) : member.set(obj, value), value);
  var __privateMethod = (obj, member, method) => (__accessCheck(obj, member, "access private method"), method);
  var __privateWrapper = (obj, member, setter, getter) => ({
    set _(value) {
      __privateSet(obj, member, value, setter);
    },
    get _() {
      return __privateGet(obj, member, getter);
    }
  });

  // node_modules/ky/distribution/errors/HTTPError.js
  var HTTPError = class extends Error {
    constructor(response, request, options) {
      const code = response.status || response.status === 0 ? response.status : "";
      const title = response.statusText ?? "";
      const status = `${code} ${title}`.trim();
      const reason = status ? `status code ${status}` : "an unknown error";
      super(`Request failed with ${reason}: ${request.method} ${request.url}`);
      __publicField(this, "response");
      __publicField(this, "request");
      __publicField(this, "options");
      this.name = "HTTPError";
      this.response = response;
      this.request = request;
      this.options = options;
    }
  };

  // node_modules/ky/distribution/errors/NonError.js
  var NonError = class extends Error {
    constructor(value) {
      let message = "Non-error value was thrown";
      try {
        if (typeof value === "string") {
          message = value;
        } else if (value && typeof value === "object" && "message" in value && typeof value.message === "string") {
          message = value.message;
        }
      } catch {
      }
      super(message);
      __publicField(this, "name", "NonError");
      __publicField(this, "value");
      this.value = value;
    }
  };

  // node_modules/ky/distribution/errors/ForceRetryError.js
  var ForceRetryError = class extends Error {
    constructor(options) {
      const cause = options?.cause ? options.cause instanceof Error ? options.cause : new NonError(options.cause) : void 0;
      super(options?.code ? `Forced retry: ${options.code}` : "Forced retry", cause ? { cause } : void 0);
      __publicField(this, "name", "ForceRetryError");
      __publicField(this, "customDelay");
      __publicField(this, "code");
      __publicField(this, "customRequest");
      this.customDelay = options?.delay;
      this.code = options?.code;
      this.customRequest = options?.request;
    }
  };

  // node_modules/ky/distribution/core/constants.js
  var supportsRequestStreams = (() => {
    let duplexAccessed = false;
    let hasContentType = false;
    const supportsReadableStream = typeof globalThis.ReadableStream === "function";
    const supportsRequest = typeof globalThis.Request === "function";
    if (supportsReadableStream && supportsRequest) {
      try {
        hasContentType = new globalThis.Request("https://empty.invalid", {
          body: new globalThis.ReadableStream(),
          method: "POST",
          // @ts-expect-error - Types are outdated.
          get duplex() {
            duplexAccessed = true;
            return "half";
          }
        }).headers.has("Content-Type");
      } catch (error) {
        if (error instanceof Error && error.message === "unsupported BodyInit type") {
          return false;
        }
        throw error;
      }
    }
    return duplexAccessed && !hasContentType;
  })();
  var supportsAbortController = typeof globalThis.AbortController === "function";
  var supportsAbortSignal = typeof globalThis.AbortSignal === "function" && typeof globalThis.AbortSignal.any === "function";
  var supportsResponseStreams = typeof globalThis.ReadableStream === "function";
  var supportsFormData = typeof globalThis.FormData === "function";
  var requestMethods = ["get", "post", "put", "patch", "head", "delete"];
  var validate = () => void 0;
  validate();
  var responseTypes = {
    json: "application/json",
    text: "text/*",
    formData: "multipart/form-data",
    arrayBuffer: "*/*",
    blob: "*/*",
    // Supported in modern Fetch implementations (for example, browsers and recent Node.js/undici).
    // We still feature-check at runtime before exposing the shortcut.
    bytes: "*/*"
  };
  var maxSafeTimeout = 2147483647;
  var usualFormBoundarySize = new TextEncoder().encode("------WebKitFormBoundaryaxpyiPgbbPti10Rw").length;
  var stop = /* @__PURE__ */ Symbol("stop");
  var RetryMarker = class {
    constructor(options) {
      __publicField(this, "options");
      this.options = options;
    }
  };
  var retry = (options) => new RetryMarker(options);
  var kyOptionKeys = {
    json: true,
    parseJson: true,
    stringifyJson: true,
    searchParams: true,
    prefixUrl: true,
    retry: true,
    timeout: true,
    hooks: true,
    throwHttpErrors: true,
    onDownloadProgress: true,
    onUploadProgress: true,
    fetch: true,
    context: true
  };
  var vendorSpecificOptions = {
    next: true
    // Next.js cache revalidation (revalidate, tags)
  };
  var requestOptionsRegistry = {
    method: true,
    headers: true,
    body: true,
    mode: true,
    credentials: true,
    cache: true,
    redirect: true,
    referrer: true,
    referrerPolicy: true,
    integrity: true,
    keepalive: true,
    signal: true,
    window: true,
    duplex: true
  };

  // node_modules/ky/distribution/utils/body.js
  var getBodySize = (body) => {
    if (!body) {
      return 0;
    }
    if (body instanceof FormData) {
      let size = 0;
      for (const [key, value] of body) {
        size += usualFormBoundarySize;
        size += new TextEncoder().encode(`Content-Disposition: form-data; name="${key}"`).length;
        size += typeof value === "string" ? new TextEncoder().encode(value).length : value.size;
      }
      return size;
    }
    if (body instanceof Blob) {
      return body.size;
    }
    if (body instanceof ArrayBuffer) {
      return body.byteLength;
    }
    if (typeof body === "string") {
      return new TextEncoder().encode(body).length;
    }
    if (body instanceof URLSearchParams) {
      return new TextEncoder().encode(body.toString()).length;
    }
    if ("byteLength" in body) {
      return body.byteLength;
    }
    if (typeof body === "object" && body !== null) {
      try {
        const jsonString = JSON.stringify(body);
        return new TextEncoder().encode(jsonString).length;
      } catch {
        return 0;
      }
    }
    return 0;
  };
  var withProgress = (stream, totalBytes, onProgress) => {
    let previousChunk;
    let transferredBytes = 0;
    return stream.pipeThrough(new TransformStream({
      transform(currentChunk, controller) {
        controller.enqueue(currentChunk);
        if (previousChunk) {
          transferredBytes += previousChunk.byteLength;
          let percent = totalBytes === 0 ? 0 : transferredBytes / totalBytes;
          if (percent >= 1) {
            percent = 1 - Number.EPSILON;
          }
          onProgress?.({ percent, totalBytes: Math.max(totalBytes, transferredBytes), transferredBytes }, previousChunk);
        }
        previousChunk = currentChunk;
      },
      flush() {
        if (previousChunk) {
          transferredBytes += previousChunk.byteLength;
          onProgress?.({ percent: 1, totalBytes: Math.max(totalBytes, transferredBytes), transferredBytes }, previousChunk);
        }
      }
    }));
  };
  var streamResponse = (response, onDownloadProgress) => {
    if (!response.body) {
      return response;
    }
    if (response.status === 204) {
      return new Response(null, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers
      });
    }
    const totalBytes = Math.max(0, Number(response.headers.get("content-length")) || 0);
    return new Response(withProgress(response.body, totalBytes, onDownloadProgress), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers
    });
  };
  var streamRequest = (request, onUploadProgress, originalBody) => {
    if (!request.body) {
      return request;
    }
    const totalBytes = getBodySize(originalBody ?? request.body);
    return new Request(request, {
      // @ts-expect-error - Types are outdated.
      duplex: "half",
      body: withProgress(request.body, totalBytes, onUploadProgress)
    });
  };

  // node_modules/ky/distribution/utils/is.js
  var isObject = (value) => value !== null && typeof value === "object";

  // node_modules/ky/distribution/utils/merge.js
  var validateAndMerge = (...sources) => {
    for (const source of sources) {
      if ((!isObject(source) || Array.isArray(source)) && source !== void 0) {
        throw new TypeError("The `options` argument must be an object");
      }
    }
    return deepMerge({}, ...sources);
  };
  var mergeHeaders = (source1 = {}, source2 = {}) => {
    const result = new globalThis.Headers(source1);
    const isHeadersInstance = source2 instanceof globalThis.Headers;
    const source = new globalThis.Headers(source2);
    for (const [key, value] of source.entries()) {
      if (isHeadersInstance && value === "undefined" || value === void 0) {
        result.delete(key);
      } else {
        result.set(key, value);
      }
    }
    return result;
  };
  function newHookValue(original, incoming, property) {
    return Object.hasOwn(incoming, property) && incoming[property] === void 0 ? [] : deepMerge(original[property] ?? [], incoming[property] ?? []);
  }
  var mergeHooks = (original = {}, incoming = {}) => ({
    beforeRequest: newHookValue(original, incoming, "beforeRequest"),
    beforeRetry: newHookValue(original, incoming, "beforeRetry"),
    afterResponse: newHookValue(original, incoming, "afterResponse"),
    beforeError: newHookValue(original, incoming, "beforeError")
  });
  var appendSearchParameters = (target, source) => {
    const result = new URLSearchParams();
    for (const input of [target, source]) {
      if (input === void 0) {
        continue;
      }
      if (input instanceof URLSearchParams) {
        for (const [key, value] of input.entries()) {
          result.append(key, value);
        }
      } else if (Array.isArray(input)) {
        for (const pair of input) {
          if (!Array.isArray(pair) || pair.length !== 2) {
            throw new TypeError("Array search parameters must be provided in [[key, value], ...] format");
          }
          result.append(String(pair[0]), String(pair[1]));
        }
      } else if (isObject(input)) {
        for (const [key, value] of Object.entries(input)) {
          if (value !== void 0) {
            result.append(key, String(value));
          }
        }
      } else {
        const parameters = new URLSearchParams(input);
        for (const [key, value] of parameters.entries()) {
          result.append(key, value);
        }
      }
    }
    return result;
  };
  var deepMerge = (...sources) => {
    let returnValue = {};
    let headers2 = {};
    let hooks = {};
    let searchParameters;
    const signals = [];
    for (const source of sources) {
      if (Array.isArray(source)) {
        if (!Array.isArray(returnValue)) {
          returnValue = [];
        }
        returnValue = [...returnValue, ...source];
      } else if (isObject(source)) {
        for (let [key, value] of Object.entries(source)) {
          if (key === "signal" && value instanceof globalThis.AbortSignal) {
            signals.push(value);
            continue;
          }
          if (key === "context") {
            if (value !== void 0 && value !== null && (!isObject(value) || Array.isArray(value))) {
              throw new TypeError("The `context` option must be an object");
            }
            returnValue = {
              ...returnValue,
              context: value === void 0 || value === null ? {} : { ...returnValue.context, ...value }
            };
            continue;
          }
          if (key === "searchParams") {
            if (value === void 0 || value === null) {
              searchParameters = void 0;
            } else {
              searchParameters = searchParameters === void 0 ? value : appendSearchParameters(searchParameters, value);
            }
            continue;
          }
          if (isObject(value) && key in returnValue) {
            value = deepMerge(returnValue[key], value);
          }
          returnValue = { ...returnValue, [key]: value };
        }
        if (isObject(source.hooks)) {
          hooks = mergeHooks(hooks, source.hooks);
          returnValue.hooks = hooks;
        }
        if (isObject(source.headers)) {
          headers2 = mergeHeaders(headers2, source.headers);
          returnValue.headers = headers2;
        }
      }
    }
    if (searchParameters !== void 0) {
      returnValue.searchParams = searchParameters;
    }
    if (signals.length > 0) {
      if (signals.length === 1) {
        returnValue.signal = signals[0];
      } else if (supportsAbortSignal) {
        returnValue.signal = AbortSignal.any(signals);
      } else {
        returnValue.signal = signals.at(-1);
      }
    }
    return returnValue;
  };

  // node_modules/ky/distribution/utils/normalize.js
  var normalizeRequestMethod = (input) => requestMethods.includes(input) ? input.toUpperCase() : input;
  var retryMethods = ["get", "put", "head", "delete", "options", "trace"];
  var retryStatusCodes = [408, 413, 429, 500, 502, 503, 504];
  var retryAfterStatusCodes = [413, 429, 503];
  var defaultRetryOptions = {
    limit: 2,
    methods: retryMethods,
    statusCodes: retryStatusCodes,
    afterStatusCodes: retryAfterStatusCodes,
    maxRetryAfter: Number.POSITIVE_INFINITY,
    backoffLimit: Number.POSITIVE_INFINITY,
    delay: (attemptCount) => 0.3 * 2 ** (attemptCount - 1) * 1e3,
    jitter: void 0,
    retryOnTimeout: false
  };
  var normalizeRetryOptions = (retry2 = {}) => {
    if (typeof retry2 === "number") {
      return {
        ...defaultRetryOptions,
        limit: retry2
      };
    }
    if (retry2.methods && !Array.isArray(retry2.methods)) {
      throw new Error("retry.methods must be an array");
    }
    retry2.methods && (retry2.methods = retry2.methods.map((method) => method.toLowerCase()));
    if (retry2.statusCodes && !Array.isArray(retry2.statusCodes)) {
      throw new Error("retry.statusCodes must be an array");
    }
    const normalizedRetry = Object.fromEntries(Object.entries(retry2).filter(([, value]) => value !== void 0));
    return {
      ...defaultRetryOptions,
      ...normalizedRetry
    };
  };

  // node_modules/ky/distribution/errors/TimeoutError.js
  var TimeoutError = class extends Error {
    constructor(request) {
      super(`Request timed out: ${request.method} ${request.url}`);
      __publicField(this, "request");
      this.name = "TimeoutError";
      this.request = request;
    }
  };

  // node_modules/ky/distribution/utils/timeout.js
  async function timeout(request, init, abortController, options) {
    return new Promise((resolve, reject) => {
      const timeoutId = setTimeout(() => {
        if (abortController) {
          abortController.abort();
        }
        reject(new TimeoutError(request));
      }, options.timeout);
      void options.fetch(request, init).then(resolve).catch(reject).then(() => {
        clearTimeout(timeoutId);
      });
    });
  }

  // node_modules/ky/distribution/utils/delay.js
  async function delay(ms, { signal }) {
    return new Promise((resolve, reject) => {
      if (signal) {
        signal.throwIfAborted();
        signal.addEventListener("abort", abortHandler, { once: true });
      }
      function abortHandler() {
        clearTimeout(timeoutId);
        reject(signal.reason);
      }
      const timeoutId = setTimeout(() => {
        signal?.removeEventListener("abort", abortHandler);
        resolve();
      }, ms);
    });
  }

  // node_modules/ky/distribution/utils/options.js
  var findUnknownOptions = (request, options) => {
    const unknownOptions = {};
    for (const key in options) {
      if (!Object.hasOwn(options, key)) {
        continue;
      }
      if (!(key in requestOptionsRegistry) && !(key in kyOptionKeys) && (!(key in request) || key in vendorSpecificOptions)) {
        unknownOptions[key] = options[key];
      }
    }
    return unknownOptions;
  };
  var hasSearchParameters = (search) => {
    if (search === void 0) {
      return false;
    }
    if (Array.isArray(search)) {
      return search.length > 0;
    }
    if (search instanceof URLSearchParams) {
      return search.size > 0;
    }
    if (typeof search === "object") {
      return Object.keys(search).length > 0;
    }
    if (typeof search === "string") {
      return search.trim().length > 0;
    }
    return Boolean(search);
  };

  // node_modules/ky/distribution/utils/type-guards.js
  function isHTTPError(error) {
    return error instanceof HTTPError || error?.name === HTTPError.name;
  }
  function isTimeoutError(error) {
    return error instanceof TimeoutError || error?.name === TimeoutError.name;
  }

  // node_modules/ky/distribution/core/Ky.js
  var _Ky_static, normalizeSearchParams_fn, _abortController, _retryCount, _input, _options, _originalRequest, _userProvidedAbortSignal, _cachedNormalizedOptions, _Ky_instances, calculateDelay_fn, calculateRetryDelay_fn, decorateResponse_fn, cancelBody_fn, cancelResponseBody_fn, retry_fn, fetch_fn, getNormalizedOptions_fn, assignRequest_fn, wrapRequestWithUploadProgress_fn;
  var _Ky = class _Ky {
    // eslint-disable-next-line complexity
    constructor(input, options = {}) {
      __privateAdd(this, _Ky_instances);
      __publicField(this, "request");
      __privateAdd(this, _abortController);
      __privateAdd(this, _retryCount, 0);
      // eslint-disable-next-line @typescript-eslint/prefer-readonly -- False positive: #input is reassigned on line 202
      __privateAdd(this, _input);
      __privateAdd(this, _options);
      __privateAdd(this, _originalRequest);
      __privateAdd(this, _userProvidedAbortSignal);
      __privateAdd(this, _cachedNormalizedOptions);
      var _a;
      __privateSet(this, _input, input);
      __privateSet(this, _options, {
        ...options,
        headers: mergeHeaders(__privateGet(this, _input).headers, options.headers),
        hooks: mergeHooks({
          beforeRequest: [],
          beforeRetry: [],
          beforeError: [],
          afterResponse: []
        }, options.hooks),
        method: normalizeRequestMethod(options.method ?? __privateGet(this, _input).method ?? "GET"),
        // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing
        prefixUrl: String(options.prefixUrl || ""),
        retry: normalizeRetryOptions(options.retry),
        throwHttpErrors: options.throwHttpErrors ?? true,
        timeout: options.timeout ?? 1e4,
        fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
        context: options.context ?? {}
      });
      if (typeof __privateGet(this, _input) !== "string" && !(__privateGet(this, _input) instanceof URL || __privateGet(this, _input) instanceof globalThis.Request)) {
        throw new TypeError("`input` must be a string, URL, or Request");
      }
      if (__privateGet(this, _options).prefixUrl && typeof __privateGet(this, _input) === "string") {
        if (__privateGet(this, _input).startsWith("/")) {
          throw new Error("`input` must not begin with a slash when using `prefixUrl`");
        }
        if (!__privateGet(this, _options).prefixUrl.endsWith("/")) {
          __privateGet(this, _options).prefixUrl += "/";
        }
        __privateSet(this, _input, __privateGet(this, _options).prefixUrl + __privateGet(this, _input));
      }
      if (supportsAbortController && supportsAbortSignal) {
        __privateSet(this, _userProvidedAbortSignal, __privateGet(this, _options).signal ?? __privateGet(this, _input).signal);
        __privateSet(this, _abortController, new globalThis.AbortController());
        __privateGet(this, _options).signal = __privateGet(this, _userProvidedAbortSignal) ? AbortSignal.any([__privateGet(this, _userProvidedAbortSignal), __privateGet(this, _abortController).signal]) : __privateGet(this, _abortController).signal;
      }
      if (supportsRequestStreams) {
        __privateGet(this, _options).duplex = "half";
      }
      if (__privateGet(this, _options).json !== void 0) {
        __privateGet(this, _options).body = __privateGet(this, _options).stringifyJson?.(__privateGet(this, _options).json) ?? JSON.stringify(__privateGet(this, _options).json);
        __privateGet(this, _options).headers.set("content-type", __privateGet(this, _options).headers.get("content-type") ?? "application/json");
      }
      const userProvidedContentType = options.headers && new globalThis.Headers(options.headers).has("content-type");
      if (__privateGet(this, _input) instanceof globalThis.Request && (supportsFormData && __privateGet(this, _options).body instanceof globalThis.FormData || __privateGet(this, _options).body instanceof URLSearchParams) && !userProvidedContentType) {
        __privateGet(this, _options).headers.delete("content-type");
      }
      this.request = new globalThis.Request(__privateGet(this, _input), __privateGet(this, _options));
      if (hasSearchParameters(__privateGet(this, _options).searchParams)) {
        const textSearchParams = typeof __privateGet(this, _options).searchParams === "string" ? __privateGet(this, _options).searchParams.replace(/^\?/, "") : new URLSearchParams(__privateMethod(_a = _Ky, _Ky_static, normalizeSearchParams_fn).call(_a, __privateGet(this, _options).searchParams)).toString();
        const searchParams = "?" + textSearchParams;
        const url = this.request.url.replace(/(?:\?.*?)?(?=#|$)/, searchParams);
        this.request = new globalThis.Request(url, __privateGet(this, _options));
      }
      if (__privateGet(this, _options).onUploadProgress) {
        if (typeof __privateGet(this, _options).onUploadProgress !== "function") {
          throw new TypeError("The `onUploadProgress` option must be a function");
        }
        if (!supportsRequestStreams) {
          throw new Error("Request streams are not supported in your environment. The `duplex` option for `Request` is not available.");
        }
        this.request = __privateMethod(this, _Ky_instances, wrapRequestWithUploadProgress_fn).call(this, this.request, __privateGet(this, _options).body ?? void 0);
      }
    }
    static create(input, options) {
      var _a;
      const ky2 = new _Ky(input, options);
      const function_ = async () => {
        var _a2, _b, _c, _d, _e, _f, _g, _h, _i, _j, _k, _l;
        if (typeof __privateGet(ky2, _options).timeout === "number" && __privateGet(ky2, _options).timeout > maxSafeTimeout) {
          throw new RangeError(`The \`timeout\` option cannot be greater than ${maxSafeTimeout}`);
        }
        await Promise.resolve();
        let response = await __privateMethod(_a2 = ky2, _Ky_instances, fetch_fn).call(_a2);
        for (const hook of __privateGet(ky2, _options).hooks.afterResponse) {
          const clonedResponse = __privateMethod(_b = ky2, _Ky_instances, decorateResponse_fn).call(_b, response.clone());
          let modifiedResponse;
          try {
            modifiedResponse = await hook(ky2.request, __privateMethod(_c = ky2, _Ky_instances, getNormalizedOptions_fn).call(_c), clonedResponse, { retryCount: __privateGet(ky2, _retryCount) });
          } catch (error) {
            __privateMethod(_d = ky2, _Ky_instances, cancelResponseBody_fn).call(_d, clonedResponse);
            __privateMethod(_e = ky2, _Ky_instances, cancelResponseBody_fn).call(_e, response);
            throw error;
          }
          if (modifiedResponse instanceof RetryMarker) {
            __privateMethod(_f = ky2, _Ky_instances, cancelResponseBody_fn).call(_f, clonedResponse);
            __privateMethod(_g = ky2, _Ky_instances, cancelResponseBody_fn).call(_g, response);
            throw new ForceRetryError(modifiedResponse.options);
          }
          const nextResponse = modifiedResponse instanceof globalThis.Response ? modifiedResponse : response;
          if (clonedResponse !== nextResponse) {
            __privateMethod(_h = ky2, _Ky_instances, cancelResponseBody_fn).call(_h, clonedResponse);
          }
          if (response !== nextResponse) {
            __privateMethod(_i = ky2, _Ky_instances, cancelResponseBody_fn).call(_i, response);
          }
          response = nextResponse;
        }
        __privateMethod(_j = ky2, _Ky_instances, decorateResponse_fn).call(_j, response);
        if (!response.ok && (typeof __privateGet(ky2, _options).throwHttpErrors === "function" ? __privateGet(ky2, _options).throwHttpErrors(response.status) : __privateGet(ky2, _options).throwHttpErrors)) {
          let error = new HTTPError(response, ky2.request, __privateMethod(_k = ky2, _Ky_instances, getNormalizedOptions_fn).call(_k));
          for (const hook of __privateGet(ky2, _options).hooks.beforeError) {
            error = await hook(error, { retryCount: __privateGet(ky2, _retryCount) });
          }
          throw error;
        }
        if (__privateGet(ky2, _options).onDownloadProgress) {
          if (typeof __privateGet(ky2, _options).onDownloadProgress !== "function") {
            throw new TypeError("The `onDownloadProgress` option must be a function");
          }
          if (!supportsResponseStreams) {
            throw new Error("Streams are not supported in your environment. `ReadableStream` is missing.");
          }
          const progressResponse = response.clone();
          __privateMethod(_l = ky2, _Ky_instances, cancelResponseBody_fn).call(_l, response);
          return streamResponse(progressResponse, __privateGet(ky2, _options).onDownloadProgress);
        }
        return response;
      };
      const result = __privateMethod(_a = ky2, _Ky_instances, retry_fn).call(_a, function_).finally(() => {
        var _a2, _b;
        const originalRequest = __privateGet(ky2, _originalRequest);
        __privateMethod(_a2 = ky2, _Ky_instances, cancelBody_fn).call(_a2, originalRequest?.body ?? void 0);
        __privateMethod(_b = ky2, _Ky_instances, cancelBody_fn).call(_b, ky2.request.body ?? void 0);
      });
      for (const [type, mimeType] of Object.entries(responseTypes)) {
        if (type === "bytes" && typeof globalThis.Response?.prototype?.bytes !== "function") {
          continue;
        }
        result[type] = async () => {
          ky2.request.headers.set("accept", ky2.request.headers.get("accept") || mimeType);
          const response = await result;
          if (type === "json") {
            if (response.status === 204) {
              return "";
            }
            const text = await response.text();
            if (text === "") {
              return "";
            }
            if (options.parseJson) {
              return options.parseJson(text);
            }
            return JSON.parse(text);
          }
          return response[type]();
        };
      }
      return result;
    }
  };
  _Ky_static = new WeakSet();
  normalizeSearchParams_fn = function(searchParams) {
    if (searchParams && typeof searchParams === "object" && !Array.isArray(searchParams) && !(searchParams instanceof URLSearchParams)) {
      return Object.fromEntries(Object.entries(searchParams).filter(([, value]) => value !== void 0));
    }
    return searchParams;
  };
  _abortController = new WeakMap();
  _retryCount = new WeakMap();
  _input = new WeakMap();
  _options = new WeakMap();
  _originalRequest = new WeakMap();
  _userProvidedAbortSignal = new WeakMap();
  _cachedNormalizedOptions = new WeakMap();
  _Ky_instances = new WeakSet();
  calculateDelay_fn = function() {
    const retryDelay = __privateGet(this, _options).retry.delay(__privateGet(this, _retryCount));
    let jitteredDelay = retryDelay;
    if (__privateGet(this, _options).retry.jitter === true) {
      jitteredDelay = Math.random() * retryDelay;
    } else if (typeof __privateGet(this, _options).retry.jitter === "function") {
      jitteredDelay = __privateGet(this, _options).retry.jitter(retryDelay);
      if (!Number.isFinite(jitteredDelay) || jitteredDelay < 0) {
        jitteredDelay = retryDelay;
      }
    }
    const backoffLimit = __privateGet(this, _options).retry.backoffLimit ?? Number.POSITIVE_INFINITY;
    return Math.min(backoffLimit, jitteredDelay);
  };
  calculateRetryDelay_fn = async function(error) {
    __privateWrapper(this, _retryCount)._++;
    if (__privateGet(this, _retryCount) > __privateGet(this, _options).retry.limit) {
      throw error;
    }
    const errorObject = error instanceof Error ? error : new NonError(error);
    if (errorObject instanceof ForceRetryError) {
      return errorObject.customDelay ?? __privateMethod(this, _Ky_instances, calculateDelay_fn).call(this);
    }
    if (!__privateGet(this, _options).retry.methods.includes(this.request.method.toLowerCase())) {
      throw error;
    }
    if (__privateGet(this, _options).retry.shouldRetry !== void 0) {
      const result = await __privateGet(this, _options).retry.shouldRetry({ error: errorObject, retryCount: __privateGet(this, _retryCount) });
      if (result === false) {
        throw error;
      }
      if (result === true) {
        return __privateMethod(this, _Ky_instances, calculateDelay_fn).call(this);
      }
    }
    if (isTimeoutError(error) && !__privateGet(this, _options).retry.retryOnTimeout) {
      throw error;
    }
    if (isHTTPError(error)) {
      if (!__privateGet(this, _options).retry.statusCodes.includes(error.response.status)) {
        throw error;
      }
      const retryAfter = error.response.headers.get("Retry-After") ?? error.response.headers.get("RateLimit-Reset") ?? error.response.headers.get("X-RateLimit-Retry-After") ?? error.response.headers.get("X-RateLimit-Reset") ?? error.response.headers.get("X-Rate-Limit-Reset");
      if (retryAfter && __privateGet(this, _options).retry.afterStatusCodes.includes(error.response.status)) {
        let after = Number(retryAfter) * 1e3;
        if (Number.isNaN(after)) {
          after = Date.parse(retryAfter) - Date.now();
        } else if (after >= Date.parse("2024-01-01")) {
          after -= Date.now();
        }
        const max = __privateGet(this, _options).retry.maxRetryAfter ?? after;
        return after < max ? after : max;
      }
      if (error.response.status === 413) {
        throw error;
      }
    }
    return __privateMethod(this, _Ky_instances, calculateDelay_fn).call(this);
  };
  decorateResponse_fn = function(response) {
    if (__privateGet(this, _options).parseJson) {
      response.json = async () => __privateGet(this, _options).parseJson(await response.text());
    }
    return response;
  };
  cancelBody_fn = function(body) {
    if (!body) {
      return;
    }
    void body.cancel().catch(() => void 0);
  };
  cancelResponseBody_fn = function(response) {
    __privateMethod(this, _Ky_instances, cancelBody_fn).call(this, response.body ?? void 0);
  };
  retry_fn = async function(function_) {
    try {
      return await function_();
    } catch (error) {
      const ms = Math.min(await __privateMethod(this, _Ky_instances, calculateRetryDelay_fn).call(this, error), maxSafeTimeout);
      if (__privateGet(this, _retryCount) < 1) {
        throw error;
      }
      await delay(ms, __privateGet(this, _userProvidedAbortSignal) ? { signal: __privateGet(this, _userProvidedAbortSignal) } : {});
      if (error instanceof ForceRetryError && error.customRequest) {
        const managedRequest = __privateGet(this, _options).signal ? new globalThis.Request(error.customRequest, { signal: __privateGet(this, _options).signal }) : new globalThis.Request(error.customRequest);
        __privateMethod(this, _Ky_instances, assignRequest_fn).call(this, managedRequest);
      }
      for (const hook of __privateGet(this, _options).hooks.beforeRetry) {
        const hookResult = await hook({
          request: this.request,
          options: __privateMethod(this, _Ky_instances, getNormalizedOptions_fn).call(this),
          error,
          retryCount: __privateGet(this, _retryCount)
        });
        if (hookResult instanceof globalThis.Request) {
          __privateMethod(this, _Ky_instances, assignRequest_fn).call(this, hookResult);
          break;
        }
        if (hookResult instanceof globalThis.Response) {
          return hookResult;
        }
        if (hookResult === stop) {
          return;
        }
      }
      return __privateMethod(this, _Ky_instances, retry_fn).call(this, function_);
    }
  };
  fetch_fn = async function() {
    if (__privateGet(this, _abortController)?.signal.aborted) {
      __privateSet(this, _abortController, new globalThis.AbortController());
      __privateGet(this, _options).signal = __privateGet(this, _userProvidedAbortSignal) ? AbortSignal.any([__privateGet(this, _userProvidedAbortSignal), __privateGet(this, _abortController).signal]) : __privateGet(this, _abortController).signal;
      this.request = new globalThis.Request(this.request, { signal: __privateGet(this, _options).signal });
    }
    for (const hook of __privateGet(this, _options).hooks.beforeRequest) {
      const result = await hook(this.request, __privateMethod(this, _Ky_instances, getNormalizedOptions_fn).call(this), { retryCount: __privateGet(this, _retryCount) });
      if (result instanceof Response) {
        return result;
      }
      if (result instanceof globalThis.Request) {
        __privateMethod(this, _Ky_instances, assignRequest_fn).call(this, result);
        break;
      }
    }
    const nonRequestOptions = findUnknownOptions(this.request, __privateGet(this, _options));
    __privateSet(this, _originalRequest, this.request);
    this.request = __privateGet(this, _originalRequest).clone();
    if (__privateGet(this, _options).timeout === false) {
      return __privateGet(this, _options).fetch(__privateGet(this, _originalRequest), nonRequestOptions);
    }
    return timeout(__privateGet(this, _originalRequest), nonRequestOptions, __privateGet(this, _abortController), __privateGet(this, _options));
  };
  getNormalizedOptions_fn = function() {
    if (!__privateGet(this, _cachedNormalizedOptions)) {
      const { hooks, ...normalizedOptions } = __privateGet(this, _options);
      __privateSet(this, _cachedNormalizedOptions, Object.freeze(normalizedOptions));
    }
    return __privateGet(this, _cachedNormalizedOptions);
  };
  assignRequest_fn = function(request) {
    __privateSet(this, _cachedNormalizedOptions, void 0);
    this.request = __privateMethod(this, _Ky_instances, wrapRequestWithUploadProgress_fn).call(this, request);
  };
  wrapRequestWithUploadProgress_fn = function(request, originalBody) {
    if (!__privateGet(this, _options).onUploadProgress || !request.body) {
      return request;
    }
    return streamRequest(request, __privateGet(this, _options).onUploadProgress, originalBody ?? __privateGet(this, _options).body ?? void 0);
  };
  __privateAdd(_Ky, _Ky_static);
  var Ky = _Ky;

  // node_modules/ky/distribution/index.js
  var createInstance = (defaults) => {
    const ky2 = (input, options) => Ky.create(input, validateAndMerge(defaults, options));
    for (const method of requestMethods) {
      ky2[method] = (input, options) => Ky.create(input, validateAndMerge(defaults, options, { method }));
    }
    ky2.create = (newDefaults) => createInstance(validateAndMerge(newDefaults));
    ky2.extend = (newDefaults) => {
      if (typeof newDefaults === "function") {
        newDefaults = newDefaults(defaults ?? {});
      }
      return createInstance(validateAndMerge(defaults, newDefaults));
    };
    ky2.stop = stop;
    ky2.retry = retry;
    return ky2;
  };
  var ky = createInstance();
  var distribution_default = ky;

  // bench/pages/clients.mjs
  var now = () => performance.now();
  var headers = (key, attempt) => ({ "Content-Type": "application/json", "Idempotency-Key": key, ...attempt ? { "Steadycart-Attempt": "1" } : {} });
  var outcomeOf = (status) => status >= 200 && status < 300 ? "confirmed" : "failed";
  var instances = /* @__PURE__ */ new Map();
  window.bench = {
    /** `build`: the global of the SDK build to use (the shipped `SteadyCart`, or a what-if build). */
    async create(name, options, build = "SteadyCart") {
      instances.get(name)?.close();
      const sc = await window[build].createSteadyCart(options);
      instances.set(name, sc);
      return sc.health().storage;
    },
    close(name) {
      instances.get(name)?.close();
      instances.delete(name);
    },
    health: (name) => instances.get(name).health(),
    list: (name) => instances.get(name).outbox.list(),
    /** steadycart's placeOrder, timed around the call. */
    async place(name, order, options) {
      const start = now();
      const r = await instances.get(name).placeOrder(order, options);
      return { ms: now() - start, outcome: r.status, status: r.result?.status, id: r.id, attempts: r.attempts };
    },
    /** One plain fetch; the harness gives up after `capMs` (fetch itself never times out). */
    async fetch(url, key, body, { capMs = 12e3, attemptHeader = false, cache } = {}) {
      const start = now();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), capMs);
      try {
        const res = await fetch(url, { method: "POST", headers: headers(key, attemptHeader), body, credentials: "same-origin", cache, signal: controller.signal });
        await res.text();
        return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
      } catch {
        return { ms: now() - start, outcome: controller.signal.aborted ? "no-answer" : "error" };
      } finally {
        clearTimeout(timer);
      }
    },
    /** ky as shipped: its default timeout (10 s) and retry (which leaves POST alone). */
    async ky(url, key, body) {
      const start = now();
      try {
        const res = await distribution_default.post(url, { headers: headers(key), body });
        await res.text();
        return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
      } catch (error) {
        const status = error?.response?.status;
        return { ms: now() - start, outcome: status ? "failed" : error?.name == "TimeoutError" ? "timeout" : "error", status };
      }
    },
    /** The fallback loop shops write: each URL in turn, 10 s timeout per attempt, same key, next on 5xx or a network error. */
    async naive(urls, key, body, timeoutMs = 1e4) {
      const start = now();
      let last = { outcome: "error" };
      for (const url of urls) {
        try {
          const res = await fetch(url, { method: "POST", headers: headers(key), body, signal: AbortSignal.timeout(timeoutMs) });
          await res.text();
          if (res.status < 500) return { ms: now() - start, outcome: outcomeOf(res.status), status: res.status };
          last = { outcome: "failed", status: res.status };
        } catch (error) {
          last = { outcome: error?.name == "TimeoutError" ? "timeout" : "error" };
        }
      }
      return { ms: now() - start, ...last };
    }
  };
})();
/*! Bundled license information:

ky/distribution/index.js:
  (*! MIT License © Sindre Sorhus *)
*/
