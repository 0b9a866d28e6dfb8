/** The test OpenID Provider as a process, for the e2e suite (playwright.config.ts starts it). */
import { startTestProvider } from "./test-provider";

const port = Number(process.env.OIDC_PORT ?? 4100);
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? "").split(",").filter(Boolean);
const provider = await startTestProvider({ port, redirectUris });
console.log(`test OpenID Provider at ${provider.issuer}`);
