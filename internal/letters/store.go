package letters

import (
	"context"
	"io/fs"
)

// Store keeps rendered letters addressed by the hex SHA-256 of their bytes,
// the same hash the verify endpoint checks, so a stored letter cannot be
// swapped without its address changing. The blob store's letters space is
// one.
type Store interface {
	Put(ctx context.Context, data []byte) (sha256hex string, err error)
	Get(ctx context.Context, sha256hex string) ([]byte, error)
}

// ErrNotFound is what Get's error wraps for a hash no letter has.
var ErrNotFound = fs.ErrNotExist

// Space is the part of the blob store letters live in.
const Space = "letters"
