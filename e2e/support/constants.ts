export const E2E_ADMIN_PASSWORD = "e2e-admin-password";
/** Put into the server's environment as the SQS secret key, then looked for in everything the browser receives. */
export const E2E_SECRET_MARKER = "e2e-secret-marker-5b8f";
