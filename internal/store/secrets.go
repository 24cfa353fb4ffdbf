package store

import "context"

// Secrets keeps the server's own secrets, such as the key that signs page
// tokens. A secret must be the same for every process on one database
// (a token one loand issued is read by another) and needs no set-up, so
// the database holds it: the first process to ask for a name creates it.
type Secrets interface {
	// ServerSecret returns the secret of a name: the first call for the
	// name creates a random one of ServerSecretBytes bytes, atomically,
	// and every later call, from any process on the database, returns
	// that one. Concurrent first calls all return the one created.
	ServerSecret(ctx context.Context, p ServerSecretParams) ([]byte, error)
}

// ServerSecretParams name a secret.
type ServerSecretParams struct{ Name string }

// ServerSecretBytes is the size of a server secret: 256 bits, the key
// size of HMAC-SHA256.
const ServerSecretBytes = 32
