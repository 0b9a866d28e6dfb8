import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** Where an AWS identity comes from, as the config says it (see awsIdentitySchema). */
export interface AwsIdentity {
  region: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  roleSessionName: string;
  stsEndpoint?: string;
  /** Static keys, for a local emulator (ElasticMQ) only; production uses the chain, a profile or a role. */
  credentials?: AwsCredentialIdentity;
}

// Fetch temporary credentials again this long before they expire.
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** Caches a provider's credentials until they near expiry (SDK clients do this themselves; the MSK signer does not). */
function memoized(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | null = null;
  let pending: Promise<AwsCredentialIdentity> | null = null;
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > REFRESH_BEFORE_EXPIRY_MS)) return cached;
    pending ??= provider().finally(() => {
      pending = null;
    });
    cached = await pending;
    return cached;
  };
}

/**
 * The AWS SDK's own providers: a static pair, a named profile, or the default chain (env, SSO, web identity,
 * ECS/EC2 metadata); with roleArn that identity assumes the role through STS, refreshed before it expires.
 * Undefined leaves the SDK client to its default chain.
 */
export function awsCredentialProvider(identity: AwsIdentity): AwsCredentialIdentityProvider | undefined {
  const fixed = identity.credentials;
  const base: AwsCredentialIdentityProvider | undefined = fixed
    ? async () => fixed
    : identity.profile
      ? memoized(fromIni({ profile: identity.profile }))
      : undefined;
  if (!identity.roleArn) return base;
  return memoized(fromTemporaryCredentials({
    params: { RoleArn: identity.roleArn, RoleSessionName: identity.roleSessionName, ExternalId: identity.externalId },
    masterCredentials: base,
    clientConfig: { region: identity.region, ...(identity.stsEndpoint ? { endpoint: identity.stsEndpoint } : {}) },
  }));
}

/** Like awsCredentialProvider, but always a provider: the default chain when nothing else is configured. */
export function requiredAwsCredentialProvider(identity: AwsIdentity): AwsCredentialIdentityProvider {
  return awsCredentialProvider(identity) ?? fromNodeProviderChain();
}

/** How Settings names the identity: never a key, only where it comes from. */
export function describeAwsIdentity(identity: Omit<AwsIdentity, "region">): string {
  const source = identity.credentials ? "static keys" : identity.profile ? `profile ${identity.profile}` : "default credential chain";
  return identity.roleArn ? `${source} → role ${identity.roleArn}${identity.externalId ? " (external id)" : ""}` : source;
}
