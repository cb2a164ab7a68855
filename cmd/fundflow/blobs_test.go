package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/letters"
)

// TestWorkerSettings: outside dev the worker needs the public URL, so no
// letter prints a relative verify link, and an explicit word on scanning.
func TestWorkerSettings(t *testing.T) {
	for _, c := range []struct {
		cfg  config
		want []string
	}{
		{config{}, []string{"FUNDFLOW_PUBLIC_URL is not set", "FUNDFLOW_CLAMD is not set"}},
		{config{publicURL: "https://fundflow.example.nhs.uk"}, []string{"FUNDFLOW_CLAMD is not set"}},
		{config{publicURL: "https://fundflow.example.nhs.uk", clamd: "off"}, nil},
		{config{publicURL: "https://fundflow.example.nhs.uk", clamd: "tcp://clamd:3310"}, nil},
	} {
		err := c.cfg.checkWorker()
		if (err == nil) != (len(c.want) == 0) {
			t.Errorf("%+v: %v", c.cfg, err)
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %v, want %q", c.cfg, err, w)
			}
		}
	}
	if _, err := (&config{clamd: "clamd:3310"}).scanner(); err == nil {
		t.Error("a clamd address without a scheme was accepted")
	}
	if s, err := (&config{clamd: "off"}).scanner(); err != nil || s != nil {
		t.Errorf("off: %v, %v", s, err)
	}
}

// TestBlobSettings: the default is a directory under the data directory;
// a URL that cannot be opened fails at start and names the setting.
func TestBlobSettings(t *testing.T) {
	st, err := (&config{dataDir: t.TempDir()}).blobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, bad := range []string{"not a url", "gs://bucket", "file:///dev/null/blobs"} {
		if _, err := (&config{blobURL: bad}).blobs(context.Background()); err == nil {
			t.Errorf("FUNDFLOW_BLOB_URL=%q accepted", bad)
		}
	}
}

// A data directory from before the blob store keeps its letters: they
// are checked against their names and moved into the store once, and the
// old directory is renamed, not deleted.
func TestOldLetterDirectoryMovesIntoTheStore(t *testing.T) {
	dir := t.TempDir()
	letter := []byte("%PDF-1.4 an offer letter from before")
	hash := blob.Hash(letter)
	old := filepath.Join(dir, "letters", hash[:2])
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{hash: letter, strings.Repeat("0", 64): []byte("damaged"), "notes.txt": []byte("x")} {
		if err := os.WriteFile(filepath.Join(old, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // the second start finds nothing to move
		st, err := (&config{dataDir: dir}).blobs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Space(letters.Space).Get(context.Background(), hash)
		st.Close()
		if err != nil || !bytes.Equal(got, letter) {
			t.Fatalf("the old letter from the store: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "letters")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the old directory is still in use: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "letters.moved-to-blobs", hash[:2], hash)); err != nil {
		t.Errorf("the old copy was not kept: %v", err)
	}
}
