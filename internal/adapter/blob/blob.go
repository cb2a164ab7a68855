// Package blob is fundflow's object store: letters and uploaded documents,
// kept by the SHA-256 of their bytes in one bucket named by a URL, so that
// any api replica serves what any worker wrote and the two share nothing
// but that URL. gocloud.dev's portable bucket does the talking: file:// for
// `fundflow dev`, s3:// for AWS or any S3-compatible store, azblob:// for
// Azure.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"
)

// ErrNotFound is returned for a hash the space has no object under. A
// malformed hash matches it too, since it cannot name an object either.
// It wraps fs.ErrNotExist, which is how the domain packages that define
// their own store (letters) recognise it without importing this one.
var ErrNotFound = fmt.Errorf("blob: %w", fs.ErrNotExist)

// Store is one bucket.
type Store struct {
	bucket *blob.Bucket
	// where names the bucket in errors without its query, which may carry
	// credentials or endpoints nobody needs in a log.
	where string
}

// Open opens the bucket at rawURL. A file:// URL's directory is created
// and temporary files are written beside their objects, so a rename never
// crosses file systems.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("FUNDFLOW_BLOB_URL %q is not a URL such as file:///var/lib/fundflow/blobs, s3://bucket?region=eu-west-2 or azblob://container", rawURL)
	}
	where := u.Scheme + "://" + u.Host + u.Path
	if u.Scheme == "file" {
		q := u.Query()
		q.Set("create_dir", "true")
		q.Set("no_tmp_dir", "true")
		// The objects name themselves by hash and carry no metadata
		// worth a second file each.
		q.Set("metadata", "skip")
		u.RawQuery = q.Encode()
		// Letters and documents carry personal data: the tree is the
		// service user's alone.
		dir := u.Path
		if u.Host == "." {
			dir = strings.TrimPrefix(dir, "/")
		}
		if err := os.MkdirAll(filepath.FromSlash(dir), 0o700); err != nil {
			return nil, fmt.Errorf("blob store %s: %w", where, err)
		}
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", where, err)
	}
	return &Store{bucket: b, where: where}, nil
}

// FileURL is the file:// URL of a local directory.
func FileURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Ping checks the bucket answers, for readiness and a clear error at start.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.bucket.Exists(ctx, "ping"); err != nil {
		return fmt.Errorf("blob store %s: %w", s.where, err)
	}
	return nil
}

// Space is a part of the bucket for one sort of object, each under
// space/ab/abcdef…, the hex SHA-256 of its bytes.
type Space struct {
	store *Store
	name  string
}

// Space returns the part of the bucket called name.
func (s *Store) Space(name string) *Space { return &Space{store: s, name: name} }

func (p *Space) key(hash string) string { return p.name + "/" + hash[:2] + "/" + hash }

// Put stores data and returns its hash. It is idempotent: the same bytes
// always land on the same key. An object already there is written again,
// the same bytes, so its modification time says when it was last stored:
// a sweep that spares young objects then never deletes one an upload in
// flight is about to refer to. Backends write whole objects or nothing, so
// a crash never leaves a truncated file under a valid hash.
func (p *Space) Put(ctx context.Context, data []byte) (string, error) {
	hash := Hash(data)
	key := p.key(hash)
	opts := &blob.WriterOptions{ContentType: "application/octet-stream"}
	if err := p.store.bucket.WriteAll(ctx, key, data, opts); err != nil {
		return "", fmt.Errorf("blob store %s: put %s: %w", p.store.where, p.name, err)
	}
	return hash, nil
}

// Get returns the bytes under hash, checked against it, so corruption
// surfaces as an error rather than as a letter that fails verification in
// someone else's hands.
func (p *Space) Get(ctx context.Context, hash string) ([]byte, error) {
	if !ValidHash(hash) {
		return nil, fmt.Errorf("%w: malformed sha256", ErrNotFound)
	}
	data, err := p.store.bucket.ReadAll(ctx, p.key(hash))
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob store %s: get %s: %w", p.store.where, p.name, err)
	}
	if Hash(data) != hash {
		return nil, fmt.Errorf("blob store %s: %s %s is corrupt", p.store.where, p.name, hash)
	}
	return data, nil
}

// Has reports whether an object is stored under hash.
func (p *Space) Has(ctx context.Context, hash string) (bool, error) {
	if !ValidHash(hash) {
		return false, nil
	}
	ok, err := p.store.bucket.Exists(ctx, p.key(hash))
	if err != nil {
		return false, fmt.Errorf("blob store %s: %w", p.store.where, err)
	}
	return ok, nil
}

// Delete removes the object under hash; removing one that is not there is
// not an error, so a retried delete succeeds.
func (p *Space) Delete(ctx context.Context, hash string) error {
	if !ValidHash(hash) {
		return nil
	}
	err := p.store.bucket.Delete(ctx, p.key(hash))
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blob store %s: delete %s: %w", p.store.where, p.name, err)
	}
	return nil
}

// Object is one stored object: its hash and when it was last stored.
type Object struct {
	SHA256  string
	ModTime time.Time
}

// List calls fn for every object in the space, in no particular order.
// Keys that are not an object's (a stray file in a file:// bucket) are
// skipped.
func (p *Space) List(ctx context.Context, fn func(Object) error) error {
	it := p.store.bucket.List(&blob.ListOptions{Prefix: p.name + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("blob store %s: list %s: %w", p.store.where, p.name, err)
		}
		hash := path.Base(obj.Key)
		if obj.IsDir || !ValidHash(hash) || obj.Key != p.key(hash) {
			continue
		}
		if err := fn(Object{SHA256: hash, ModTime: obj.ModTime}); err != nil {
			return err
		}
	}
}

// MoveTo moves the object under hash into space to, for quarantine: the
// copy is made before the original goes, and both steps may be retried.
func (p *Space) MoveTo(ctx context.Context, to *Space, hash string) error {
	data, err := p.Get(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		if ok, herr := to.Has(ctx, hash); herr == nil && ok {
			return nil // moved already
		}
	}
	if err != nil {
		return err
	}
	if _, err := to.Put(ctx, data); err != nil {
		return err
	}
	return p.Delete(ctx, hash)
}

// Hash is the hex SHA-256 objects are addressed by.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ValidHash accepts only 64 lower-case hex digits, which also rules out any
// path traversal through a key.
func ValidHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && !bytes.ContainsAny([]byte(h), "ABCDEF")
}
