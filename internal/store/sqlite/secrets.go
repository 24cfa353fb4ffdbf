package sqlite

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// ServerSecret implements store.Secrets: it offers a new random secret,
// which the primary key keeps only if the name has none yet, and then
// reads the one that was kept.
func (s *Store) ServerSecret(ctx context.Context, p store.ServerSecretParams) ([]byte, error) {
	fresh := make([]byte, store.ServerSecretBytes)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO server_secrets (name, secret, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, p.Name, fresh, time.Now().UTC().Format(timeLayout)); err != nil {
		return nil, mapError(err)
	}
	var secret []byte
	if err := s.db.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = ?`, p.Name).Scan(&secret); err != nil {
		return nil, mapError(err)
	}
	return secret, nil
}
