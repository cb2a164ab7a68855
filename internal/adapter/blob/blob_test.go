package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openFile(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	u, err := FileURL(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func TestFileStore(t *testing.T) {
	st, dir := openFile(t)
	exercise(t, st)
	// A file:// bucket is private to the service's user.
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("store directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	// Tampering on disk shows as corruption, not as a good object.
	sp := st.Space("letters")
	hash, err := sp.Put(context.Background(), []byte("%PDF-1.3 a letter"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "letters", hash[:2], hash), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Get(context.Background(), hash); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a corrupted object = %v, want a corruption error", err)
	}
}

func TestOpenRefusesNonURLs(t *testing.T) {
	for _, bad := range []string{"", "./data/blobs", "nosuch://bucket"} {
		if _, err := Open(context.Background(), bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// exercise is what every backend must do alike.
func exercise(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	sp := st.Space("documents")
	data := []byte("%PDF-1.7 the same bytes")
	want := Hash(data)

	// Concurrent puts of the same bytes all succeed, under one key.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, err := sp.Put(ctx, data); err != nil || got != want {
				t.Errorf("Put = %q, %v; want %q", got, err, want)
			}
		})
	}
	wg.Wait()
	if got, err := sp.Get(ctx, want); err != nil || string(got) != string(data) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if ok, err := sp.Has(ctx, want); err != nil || !ok {
		t.Errorf("Has = %v, %v", ok, err)
	}
	// Spaces do not see each other's objects.
	if _, err := st.Space("letters").Get(ctx, want); !errors.Is(err, ErrNotFound) {
		t.Errorf("another space's Get = %v, want ErrNotFound", err)
	}
	if got := list(t, sp); len(got) != 1 || got[0].SHA256 != want || time.Since(got[0].ModTime) > time.Hour {
		t.Errorf("List = %+v, want the one object, stored just now", got)
	}
	if got := list(t, st.Space("letters")); len(got) != 0 {
		t.Errorf("another space's List = %+v", got)
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(want), want[:63], want + "0", "../" + want[3:], strings.Repeat("g", 64), strings.Repeat("ab", 32)} {
		if _, err := sp.Get(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", bad, err)
		}
	}

	quarantine := st.Space("quarantine")
	for range 2 { // a retried move succeeds
		if err := sp.MoveTo(ctx, quarantine, want); err != nil {
			t.Fatalf("MoveTo: %v", err)
		}
	}
	if _, err := sp.Get(ctx, want); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after the move = %v, want ErrNotFound", err)
	}
	if got, err := quarantine.Get(ctx, want); err != nil || string(got) != string(data) {
		t.Errorf("quarantined Get = %q, %v", got, err)
	}
	for range 2 {
		if err := quarantine.Delete(ctx, want); err != nil {
			t.Errorf("Delete: %v", err)
		}
	}
	if ok, err := quarantine.Has(ctx, want); err != nil || ok {
		t.Errorf("Has after Delete = %v, %v", ok, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sp.Put(cancelled, []byte("other bytes")); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
}

func list(t *testing.T, sp *Space) []Object {
	t.Helper()
	var out []Object
	if err := sp.List(context.Background(), func(o Object) error { out = append(out, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// Storing bytes that are there already says so in the modification time,
// which is what a sweep judges an object's age by.
func TestPutAgainRefreshesTheModificationTime(t *testing.T) {
	st, dir := openFile(t)
	sp := st.Space("documents")
	hash, err := sp.Put(context.Background(), []byte("%PDF-1.7 stored long ago"))
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "documents", hash[:2], hash), long, long); err != nil {
		t.Fatal(err)
	}
	// A stray file in the directory is no object.
	if err := os.WriteFile(filepath.Join(dir, "documents", "notes.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := list(t, sp); len(got) != 1 || got[0].ModTime.After(long.Add(time.Minute)) {
		t.Fatalf("List = %+v, want the old object only", got)
	}
	if _, err := sp.Put(context.Background(), []byte("%PDF-1.7 stored long ago")); err != nil {
		t.Fatal(err)
	}
	if got := list(t, sp); len(got) != 1 || time.Since(got[0].ModTime) > time.Hour {
		t.Fatalf("after storing it again List = %+v", got)
	}
}
