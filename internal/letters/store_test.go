package letters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestDirStore(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st, err := NewDirStore(filepath.Join(root, "letters"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.3 not really a letter")
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])

	// Concurrent puts of the same bytes all succeed and leave one file.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, err := st.Put(ctx, data); err != nil || got != want {
				t.Errorf("Put = %q, %v; want %q", got, err, want)
			}
		})
	}
	wg.Wait()
	entries, err := os.ReadDir(filepath.Join(root, "letters", want[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != want {
		t.Errorf("fan-out directory holds %v, want just %s", entries, want)
	}

	got, err := st.Get(ctx, want)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Get = %q, %v", got, err)
	}

	missing := strings.Repeat("ab", 32)
	if _, err := st.Get(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(want), want[:63], want + "0", "../" + want[3:], strings.Repeat("g", 64)} {
		if _, err := st.Get(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q) = %v, want ErrNotFound", bad, err)
		}
	}

	path := filepath.Join(root, "letters", want[:2], want)
	if err := os.WriteFile(path, []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, want); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a corrupted letter = %v, want a corruption error", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.Put(cancelled, data); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with cancelled context = %v", err)
	}
}

func TestDirStoreRoundTripsLetters(t *testing.T) {
	ctx := context.Background()
	st, err := NewDirStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pdf := render(t, sample(KindOffer))
	hash, err := st.Put(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.Put(ctx, render(t, sample(KindOffer)))
	if err != nil || again != hash {
		t.Errorf("re-rendering the same decision stored %q, %v; want %q", again, err, hash)
	}
	got, err := st.Get(ctx, hash)
	if err != nil || string(got) != string(pdf) {
		t.Errorf("Get = %d bytes, %v", len(got), err)
	}
}
