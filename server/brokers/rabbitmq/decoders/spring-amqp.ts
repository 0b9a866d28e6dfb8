import { headerText, type FailureDecoder } from "./types";

// A Java stack trace's header line: "com.example.SomeException: message" (or just the class).
const CLASS_LINE = /^\s*(?:Caused by:\s*)?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?::|\s*$)/;

/** The exception class of a Java stack trace's first line, and of its innermost "Caused by:". */
export function stackTraceClasses(stacktrace: string): { exceptionClass: string | null; causeClass: string | null } {
  const lines = stacktrace.split(/\r?\n/);
  const exceptionClass = CLASS_LINE.exec(lines[0] ?? "")?.[1] ?? null;
  const causes = lines.filter((line) => line.trimStart().startsWith("Caused by:")).map((line) => CLASS_LINE.exec(line)?.[1] ?? null);
  return { exceptionClass, causeClass: causes.filter((c): c is string => c !== null).at(-1) ?? null };
}

/**
 * Spring AMQP's RepublishMessageRecoverer: x-exception-message, x-exception-stacktrace, x-original-exchange,
 * x-original-routingKey. It writes no class header: the class is read from the stack trace's first line.
 */
export const springAmqpDecoder: FailureDecoder = {
  name: "spring-amqp",
  canDecode: (headers) => ["x-exception-stacktrace", "x-exception-message", "x-original-exchange", "x-original-routingKey"].some((name) => name in headers),
  decode(headers) {
    const stacktrace = headerText(headers["x-exception-stacktrace"]);
    const classes = stacktrace ? stackTraceClasses(stacktrace) : { exceptionClass: null, causeClass: null };
    return {
      ...classes,
      message: headerText(headers["x-exception-message"]),
      stacktrace,
      originalExchange: headerText(headers["x-original-exchange"]),
      originalRoutingKey: headerText(headers["x-original-routingKey"]),
    };
  },
};
