package letters

import (
	"context"

	"github.com/fundflow/fundflow/internal/blob"
)

// Store keeps rendered letters addressed by the hex SHA-256 of their bytes,
// the same hash the verify endpoint checks, so a stored letter cannot be
// swapped without its address changing. A blob.Space is one.
type Store interface {
	Put(ctx context.Context, data []byte) (sha256hex string, err error)
	Get(ctx context.Context, sha256hex string) ([]byte, error)
}

// ErrNotFound is returned by Get for a hash no letter has.
var ErrNotFound = blob.ErrNotFound

// Space is the part of the blob store letters live in.
const Space = "letters"
