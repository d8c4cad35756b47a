// The AWS SDK's default credential chain for function bundles: what Lambda provides, nothing else.
// Lambda gives every function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first link of the SDK's chain; the other links
// (profiles and SSO, credential processes, web identity, container and instance metadata) are not
// how Lambda delivers them, and with the nested STS and SSO clients they load they are ~100 KB of
// each bundle.
// Without the variables it fails as the chain's first link does: "Unable to find environment
// variable credentials".
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
