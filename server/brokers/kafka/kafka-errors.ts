// Turns TLS and SASL failures into a sentence an operator can act on. Client-agnostic: it walks the error's
// cause chain (`cause`, kafkajs' `originalError`, AggregateError's `errors`) and reads Node's TLS codes and the
// broker's SASL answers, so it serves kafkajs and @platformatic/kafka alike.

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

function* chain(error: unknown, depth = 0): Generator<ErrorLike> {
  if (!error || typeof error !== "object" || depth > 6) return;
  const current = error as ErrorLike;
  yield current;
  yield* chain(current.cause, depth + 1);
  yield* chain(current.originalError, depth + 1);
  if (Array.isArray(current.errors)) for (const inner of current.errors) yield* chain(inner, depth + 1);
}

const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
]);

/** What the connection was configured with, where it changes the reading of an error. */
export interface SecurityContext {
  tls: boolean;
  clientCertificate: boolean;
}

/** The context for a connection's config: whether it speaks TLS, and with a client certificate. */
export function securityContext(config: { ssl: boolean | { cert?: string } }): SecurityContext {
  return { tls: config.ssl !== false, clientCertificate: typeof config.ssl === "object" && config.ssl.cert !== undefined };
}

interface Rule {
  matches: (code: string, message: string, context: SecurityContext) => boolean;
  explain: (code: string) => string;
}

const withCode = (text: string) => (code: string) => (code ? `${text} (${code})` : text);

// Order matters: the most specific cause first.
const RULES: Rule[] = [
  {
    matches: (code) => UNTRUSTED.has(code),
    explain: withCode("TLS: the broker's certificate is not signed by a CA Redrive trusts; set ssl.ca or ssl.caFile to the cluster's CA"),
  },
  { matches: (code) => code === "CERT_HAS_EXPIRED", explain: withCode("TLS: the broker's certificate has expired") },
  { matches: (code) => code === "CERT_NOT_YET_VALID", explain: withCode("TLS: the broker's certificate is not valid yet (check the clocks)") },
  {
    matches: (code) => code === "ERR_TLS_CERT_ALTNAME_INVALID",
    explain: withCode("TLS: the broker's certificate does not name the host Redrive connected to; use the advertised host name or set ssl.servername"),
  },
  {
    // TLS 1.3 says "certificate required"; a broker on TLS 1.2 answers a missing certificate with "bad certificate".
    matches: (code, message, context) =>
      code.includes("CERTIFICATE_REQUIRED") || /certificate required/i.test(message) || (!context.clientCertificate && /ALERT_BAD_CERTIFICATE|alert bad certificate/i.test(`${code} ${message}`)),
    explain: withCode("TLS: the broker requires a client certificate (mTLS); set ssl.cert/ssl.certFile and ssl.key/ssl.keyFile"),
  },
  {
    // @platformatic/kafka reports only "Connection closed" when the broker drops a TLS 1.3 client without a certificate.
    matches: (code, message, context) => context.tls && !context.clientCertificate && code === "PLT_KFK_NETWORK" && /connection closed/i.test(message),
    explain: () =>
      "TLS: the broker closed the connection after the handshake, the way a listener that requires a client certificate (mTLS) refuses a client without one; set ssl.cert/ssl.certFile and ssl.key/ssl.keyFile",
  },
  {
    matches: (code, message) => /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code) || /alert (bad certificate|unknown ca)/i.test(message),
    explain: withCode("TLS: the broker rejected Redrive's client certificate (not signed by a CA the broker trusts, or expired)"),
  },
  {
    matches: (code, message) => code === "ERR_OSSL_BAD_DECRYPT" || /bad decrypt/i.test(message),
    explain: withCode("TLS: the client key cannot be decrypted; check ssl.passphrase"),
  },
  {
    matches: (code, message) => code === "ERR_OSSL_X509_KEY_VALUES_MISMATCH" || /key values mismatch/i.test(message),
    explain: withCode("TLS: the client key does not belong to the client certificate"),
  },
  {
    matches: (code, message) => code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number|packet length too long/i.test(message),
    explain: withCode("TLS: the broker did not answer TLS on this port; the listener is probably PLAINTEXT or SASL_PLAINTEXT (set ssl: false)"),
  },
  {
    matches: (code, message) => code === "UNSUPPORTED_SASL_MECHANISM" || /unsupported sasl mechanism|mechanism .* not (enabled|supported)/i.test(message),
    explain: () => "SASL: the listener does not offer this mechanism; check sasl.mechanism against the broker's sasl.enabled.mechanisms",
  },
  {
    matches: (code, message) => code === "SASL_AUTHENTICATION_FAILED" || /authentication failed|invalid credentials|invalid username or password/i.test(message),
    explain: () => "SASL authentication failed: the broker refused the credentials (wrong username or password, unknown user, or an expired token)",
  },
  {
    matches: (code, message) => code === "ILLEGAL_SASL_STATE" || /illegal sasl state|unexpected handshake request/i.test(message),
    explain: () => "SASL: the listener does not expect SASL (it is PLAINTEXT or SSL without SASL); remove sasl or use the SASL listener's port",
  },
];

/** A readable cause for a TLS or SASL failure, or null when the error is something else. */
export function explainKafkaSecurityError(error: unknown, context: SecurityContext): string | null {
  for (const link of chain(error)) {
    const code = typeof link.code === "string" ? link.code : typeof link.type === "string" ? link.type : "";
    const message = typeof link.message === "string" ? link.message : "";
    const rule = RULES.find((candidate) => candidate.matches(code, message, context));
    if (rule) return rule.explain(code);
  }
  return null;
}

/** An error for Settings: the connection's name, then the readable cause, or the client's own message. */
export function kafkaConnectionError(connection: string, error: unknown, context: SecurityContext): Error {
  const explained = explainKafkaSecurityError(error, context);
  const fallback = error instanceof Error ? error.message : String(error);
  return new Error(`Kafka connection "${connection}": ${explained ?? fallback}`, { cause: error });
}
