// The live tests' settings, from the environment that clients/typescript_test.go
// sets after starting loand: they fail, rather than skip, when it is
// missing, so that a run that reaches no server cannot pass.

import { readFileSync } from "node:fs";

/** What the Go test started, for the tests to call. */
export interface LiveEnv {
  /** loand with TLS and API keys. */
  address: string;
  /** An API key of that loand with the roles servicer, operator and subscriber. */
  token: string;
  /** The CA that signed both loands' certificates, PEM. */
  ca: string;
  /** loand with mutual TLS: a client certificate is required. */
  mtlsAddress: string;
  /** A client certificate that loand's policy gives the viewer role, PEM. */
  clientCert: string;
  /** Its key, PEM. */
  clientKey: string;
}

/** need is the environment variable name, or a thrown error naming it. */
function need(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: these tests call a real loand that clients/typescript_test.go starts; ` +
        "run them with `go test ./clients -run TestTypeScript`",
    );
  }
  return v;
}

/** liveEnv reads the settings, and the PEM files they name. */
export function liveEnv(): LiveEnv {
  return {
    address: need("LOANCORE_ADDRESS"),
    token: need("LOANCORE_TOKEN"),
    ca: readFileSync(need("LOANCORE_CA_FILE"), "utf8"),
    mtlsAddress: need("LOANCORE_MTLS_ADDRESS"),
    clientCert: readFileSync(need("LOANCORE_CLIENT_CERT_FILE"), "utf8"),
    clientKey: readFileSync(need("LOANCORE_CLIENT_KEY_FILE"), "utf8"),
  };
}
