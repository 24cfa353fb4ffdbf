package postgres

import (
	"context"
	"crypto/rand"

	"github.com/loancore/loancore/internal/store"
)

// ServerSecret implements store.Secrets: it offers a new random secret,
// which the primary key keeps only if the name has none yet (a concurrent
// first call waits for the other's insert and keeps nothing), and then
// reads the one that was kept, in a statement of its own so that it sees
// a row another process committed meanwhile.
func (s *Store) ServerSecret(ctx context.Context, p store.ServerSecretParams) ([]byte, error) {
	fresh := make([]byte, store.ServerSecretBytes)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, now())
		ON CONFLICT (name) DO NOTHING`, p.Name, fresh); err != nil {
		return nil, mapError(err)
	}
	var secret []byte
	if err := s.pool.QueryRow(ctx, `SELECT secret FROM server_secrets WHERE name = $1`, p.Name).Scan(&secret); err != nil {
		return nil, mapError(err)
	}
	return secret, nil
}
