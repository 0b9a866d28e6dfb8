import os from "node:os";

/** This process among the replicas: host and pid, nothing secret. Shown as the collector lease's holder. */
export const REPLICA_ID = `${os.hostname()}:${process.pid}`;

/** application_name of a connection holding a lease, so /api/ready can say which replica holds it. */
export const LEASE_APPLICATION_PREFIX = "redrive-lease ";
export const leaseApplicationName = (replica = REPLICA_ID) => `${LEASE_APPLICATION_PREFIX}${replica}`.slice(0, 63);
