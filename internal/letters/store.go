package letters

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Store keeps rendered letters addressed by the hex SHA-256 of their bytes,
// the same hash the verify endpoint checks, so a stored letter cannot be
// swapped without its address changing.
type Store interface {
	Put(ctx context.Context, data []byte) (sha256hex string, err error)
	Get(ctx context.Context, sha256hex string) ([]byte, error)
}

// ErrNotFound is returned by Get for a hash no letter has. A malformed hash
// also matches it, since it cannot name a letter either.
var ErrNotFound = errors.New("letters: not found")

// DirStore is a Store on the local file system. Files live at
// root/ab/abcdef…, the two-character fan-out keeping directories small.
type DirStore struct {
	root string
}

var _ Store = (*DirStore)(nil)

// NewDirStore opens root as a store, creating it if need be. Letters carry
// personal data, so the tree is private to the service's user.
func NewDirStore(root string) (*DirStore, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("letters: store: %w", err)
	}
	return &DirStore{root: root}, nil
}

// Put is idempotent: storing the same bytes twice, even concurrently, leaves
// one file. Writes go to a temporary file that is synced and renamed into
// place, so a crash never leaves a truncated letter under a valid hash.
func (d *DirStore) Put(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	path := d.path(hash)
	if _, err := os.Stat(path); err == nil {
		return hash, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("letters: store: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return "", fmt.Errorf("letters: store: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once the rename has happened
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("letters: store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("letters: store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("letters: store: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("letters: store: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("letters: store: %w", err)
	}
	return hash, nil
}

// Get checks the bytes against their hash before returning them, so disk
// corruption surfaces as an error rather than as a letter that fails
// verification in someone else's hands.
func (d *DirStore) Get(ctx context.Context, hash string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validHash(hash) {
		return nil, fmt.Errorf("%w: malformed sha256", ErrNotFound)
	}
	data, err := os.ReadFile(d.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("letters: store: %w", err)
	}
	sum := sha256.Sum256(data)
	if want, _ := hex.DecodeString(hash); !bytes.Equal(sum[:], want) {
		return nil, fmt.Errorf("letters: store: %s is corrupt", hash)
	}
	return data, nil
}

func (d *DirStore) path(hash string) string {
	return filepath.Join(d.root, hash[:2], hash)
}

// validHash accepts only 64 lower-case hex digits, which also rules out any
// path traversal through the file name.
func validHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for _, c := range []byte(h) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
