// src/transport/backoff.ts
function backoff(step, baseMs, capMs, random = Math.random) {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(step, 30)));
}

// src/transport/breaker.ts
var SAMPLES = 20;
var closedCircuit = (id, openMs) => ({
  id,
  state: "closed",
  failures: 0,
  openMs,
  retryAt: 0,
  samples: [],
  updatedAt: 0
});
function permits(record, now) {
  if (record.state == "closed") return "yes";
  return now >= record.retryAt ? "probe" : "no";
}
function succeeded(record, now, baseOpenMs, latencyMs) {
  return {
    ...record,
    state: "closed",
    failures: 0,
    openMs: baseOpenMs,
    retryAt: 0,
    samples: latencyMs === void 0 ? record.samples : [...record.samples, Math.round(latencyMs)].slice(-SAMPLES),
    updatedAt: now
  };
}
function failed(record, error, now, maxOpenMs, retryAfterMs = 0, random = Math.random) {
  const openMs = record.state == "half-open" ? Math.min(maxOpenMs, record.openMs * 2) : record.openMs;
  return {
    ...record,
    state: "open",
    failures: record.failures + 1,
    openMs,
    retryAt: now + Math.max(retryAfterMs, Math.round(openMs * (0.5 + random() / 2))),
    lastError: error,
    updatedAt: now
  };
}

// src/transport/retry-budget.ts
var RetryBudget = class {
  constructor(max, ratio, refillPerSecond = 0.1, now = Date.now) {
    this.max = max;
    this.ratio = ratio;
    this.refillPerSecond = refillPerSecond;
    this.now = now;
    this.level = max;
    this.at = now();
  }
  /** Tokens left now. */
  get tokens() {
    const now = this.now();
    this.level = Math.min(this.max, this.level + (now - this.at) / 1e3 * this.refillPerSecond);
    this.at = now;
    return this.level;
  }
  /** Whether a retry may be sent now. */
  canRetry() {
    return this.tokens > this.max / 2;
  }
  onFailure() {
    this.level = Math.max(0, this.tokens - 1);
  }
  onSuccess() {
    this.level = Math.min(this.max, this.tokens + this.ratio);
  }
};

// src/transport/classify.ts
function classify(status) {
  if (!status || status >= 500) return status == 503 ? "retry" : "ambiguous";
  if (status < 300 && status >= 200) return "done";
  if (status == 409) return "busy";
  if (status == 422) return "mismatch";
  if (status == 408 || status == 425 || status == 429) return "retry";
  return status >= 400 ? "refused" : "ambiguous";
}
function classifyLookup(status, body) {
  if (status == 404) return { kind: "absent" };
  if (status == 409) return { kind: "busy" };
  const stored = body;
  if (status == 200 && typeof stored?.status == "number" && stored.status >= 200 && stored.status < 600) {
    return { kind: "found", status: stored.status, body: stored.body ?? null };
  }
  return { kind: "unknown" };
}

// src/errors.ts
var SteadyCartError = class extends Error {
  constructor(code, message, path) {
    super(path ? `${message} (at ${path})` : message);
    this.code = code;
    this.path = path;
    this.name = "SteadyCartError";
  }
};
var fail = (code, message, path) => {
  throw new SteadyCartError(code, message, path);
};

// src/options.ts
var LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];
var isObject = (v) => typeof v == "object" && v !== null && !Array.isArray(v);
function number(value, fallback, min, max, path) {
  if (value === void 0) return fallback;
  if (typeof value != "number" || !(value >= min && value <= max)) {
    fail("INVALID_OPTIONS", `must be a number from ${min} to ${max}`, path);
  }
  return value;
}
function text(value, fallback, path, pattern = /^\S+$/) {
  if (value === void 0) return fallback;
  if (typeof value != "string" || !pattern.test(value)) fail("INVALID_OPTIONS", "must be a non-empty string without spaces", path);
  return value;
}
function bool(value, fallback, path) {
  if (value === void 0) return fallback;
  if (typeof value != "boolean") fail("INVALID_OPTIONS", "must be true or false", path);
  return value;
}
var PATH = /^\/[^\s?#]*$/;
function endpointUrl(value, path) {
  let url;
  try {
    url = new URL(value);
  } catch {
    fail("INVALID_OPTIONS", "must be an absolute URL", path);
  }
  const { protocol, hostname, username, password, search, hash } = url;
  if (protocol != "https:" && !(protocol == "http:" && LOOPBACK.includes(hostname))) {
    fail("INVALID_OPTIONS", "must use https: (http: only for localhost)", path);
  }
  if (username || password || search || hash) fail("INVALID_OPTIONS", "must not carry credentials, a query or a fragment", path);
  return url.href.replace(/\/+$/, "");
}
function normalizeOptions(options = {}) {
  if (!isObject(options)) fail("INVALID_OPTIONS", "options must be an object", "");
  const o = options;
  const list = o.endpoints ?? [];
  if (!Array.isArray(list)) fail("INVALID_OPTIONS", "must be an array", "endpoints");
  const seen = /* @__PURE__ */ new Set();
  const endpoints = list.map((e, i) => {
    const p2 = `endpoints[${i}]`;
    if (!isObject(e)) fail("INVALID_OPTIONS", "must be an object", p2);
    const url = endpointUrl(e.url, p2 + ".url");
    if (seen.has(url)) fail("INVALID_OPTIONS", "is listed twice", p2 + ".url");
    seen.add(url);
    return { url, domain: text(e.domain, new URL(url).origin, p2 + ".domain") };
  });
  const paths = o.paths ?? {};
  if (!isObject(paths)) fail("INVALID_OPTIONS", "must be an object", "paths");
  const p = paths;
  const checkoutPath = text(p.checkout, "/checkout", "paths.checkout", PATH).replace(/\/+$/, "") || fail("INVALID_OPTIONS", "must not be /", "paths.checkout");
  const healthPath = p.health === false ? false : text(p.health, "/health", "paths.health", PATH);
  const outbox = o.outbox ?? {};
  if (outbox !== false && !isObject(outbox)) fail("INVALID_OPTIONS", "must be an object or false", "outbox");
  const retentionMs = outbox === false ? 0 : number(outbox.retentionMs, 864e5, 6e4, 30 * 864e5, "outbox.retentionMs");
  let worker = null;
  const sw = o.serviceWorker ?? false;
  if (typeof sw == "string") worker = { url: sw, offlineShell: false };
  else if (isObject(sw)) {
    worker = {
      url: text(sw.url, "", "serviceWorker.url"),
      scope: sw.scope === void 0 ? void 0 : text(sw.scope, "", "serviceWorker.scope"),
      offlineShell: bool(sw.offlineShell, false, "serviceWorker.offlineShell")
    };
  } else if (sw !== false) fail("INVALID_OPTIONS", "must be a URL string, an object or false", "serviceWorker");
  const allow = o.allowCardLikeAt ?? [];
  if (!Array.isArray(allow) || allow.some((a) => typeof a != "string")) fail("INVALID_OPTIONS", "must be an array of JSON paths", "allowCardLikeAt");
  const t = o.tuning ?? {};
  if (!isObject(t)) fail("INVALID_OPTIONS", "must be an object", "tuning");
  const tuning = t;
  const minAttemptTimeoutMs = number(tuning.minAttemptTimeoutMs, 400, 50, 6e4, "tuning.minAttemptTimeoutMs");
  const openMs = number(tuning.openMs, 2e3, 100, 6e5, "tuning.openMs");
  return {
    endpoints,
    budgetMs: number(o.budgetMs, 3e3, 100, 12e4, "budgetMs"),
    checkoutPath,
    healthPath,
    retentionMs,
    worker,
    namespace: text(o.namespace, "steadycart", "namespace", /^[\w.-]{1,64}$/),
    credentials: ["omit", "same-origin", "include"].includes(o.credentials) || o.credentials === void 0 ? o.credentials ?? "same-origin" : fail("INVALID_OPTIONS", "must be 'omit', 'same-origin' or 'include'", "credentials"),
    allowCardLikeAt: allow,
    tuning: {
      attemptTimeoutMs: number(tuning.attemptTimeoutMs, 1500, minAttemptTimeoutMs, 12e4, "tuning.attemptTimeoutMs"),
      minAttemptTimeoutMs,
      hedgeDelayMs: number(tuning.hedgeDelayMs, 1e3, 10, 12e4, "tuning.hedgeDelayMs"),
      hedge: bool(tuning.hedge, true, "tuning.hedge"),
      openMs,
      maxOpenMs: number(tuning.maxOpenMs, 3e4, openMs, 36e5, "tuning.maxOpenMs"),
      retryTokens: number(tuning.retryTokens, 10, 1, 1e3, "tuning.retryTokens"),
      retryTokenRatio: number(tuning.retryTokenRatio, 0.1, 0, 1e3, "tuning.retryTokenRatio")
    }
  };
}

// src/outbox/outbox.ts
var REPLAY_BASE_MS = 1e3;
var REPLAY_CAP_MS = 3e5;
export {
  REPLAY_BASE_MS,
  REPLAY_CAP_MS,
  RetryBudget,
  backoff,
  classify,
  classifyLookup,
  closedCircuit,
  failed,
  normalizeOptions,
  permits,
  succeeded
};
