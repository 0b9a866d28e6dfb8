export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Before the first request: the audit log's caller address comes from the socket, not from the client.
    const { installPeerStamp } = await import("./server/auth/client-address");
    installPeerStamp();
    const { startServer } = await import("./server/startup");
    await startServer();
  }
}
