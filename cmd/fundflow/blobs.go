package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/adapter/clamd"
	"github.com/fundflow/fundflow/internal/adapter/cluster"
	"github.com/fundflow/fundflow/internal/letters"
)

// dialRecords connects what the store's maintenance commands compare:
// Temporal, which records every letter and file, and the bucket that holds
// them. They need no Redis, so they run wherever these two are reachable.
func (e *external) dialRecords(ctx context.Context, getenv func(string) string) (client.Client, *blob.Store, func(), error) {
	tc, _, err := cluster.DialFromEnv(ctx, getenv, e.log, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	blobs, err := e.cfg.blobs(ctx)
	if err != nil {
		tc.Close()
		return nil, nil, nil, err
	}
	return tc, blobs, func() { _ = blobs.Close(); tc.Close() }, nil
}

// blobs opens the bucket letters and uploads live in and checks it
// answers, so a wrong URL or missing credentials fail at start. Without a
// URL it is a directory under the data directory, which is right for
// `fundflow dev` and for an api and worker sharing one disk; anything else
// names a bucket.
func (c *config) blobs(ctx context.Context) (*blob.Store, error) {
	u := c.blobURL
	if u == "" {
		var err error
		if u, err = blob.FileURL(filepath.Join(c.dataDir, "blobs")); err != nil {
			return nil, err
		}
	}
	st, err := blob.Open(ctx, u)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("FUNDFLOW_BLOB_URL: %w", err)
	}
	if c.blobURL == "" {
		if err := moveLetterDir(ctx, filepath.Join(c.dataDir, "letters"), st.Space(letters.Space)); err != nil {
			_ = st.Close()
			return nil, err
		}
	}
	return st, nil
}

// moveLetterDir brings letters from the directory fundflow kept them in
// before the blob store (data/letters/ab/abcdef…, the same layout) into
// the store, so a data directory from before keeps serving its letters.
// Each is checked against its name before it is stored; the directory is
// then renamed, not deleted, and the log says so.
func moveLetterDir(ctx context.Context, dir string, space *blob.Space) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	moved, skipped := 0, 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if name := d.Name(); !blob.ValidHash(name) || blob.Hash(data) != name {
			skipped++
			return nil
		}
		if _, err := space.Put(ctx, data); err != nil {
			return err
		}
		moved++
		return nil
	})
	if err != nil {
		return fmt.Errorf("moving letters from %s into the blob store: %w", dir, err)
	}
	done := dir + ".moved-to-blobs"
	if err := os.Rename(dir, done); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("moving letters from %s into the blob store: %w", dir, err)
	}
	slog.Info("moved letters from the old letter directory into the blob store; the old copy can be deleted",
		"letters", moved, "not_letters", skipped, "old", done)
	return nil
}

// scanner is the configured clamd, or nil where scanning is off.
func (c *config) scanner() (activities.Scanner, error) {
	if c.clamd == "" || c.clamd == "off" {
		return nil, nil
	}
	cl, err := clamd.New(c.clamd)
	if err != nil {
		return nil, fmt.Errorf("FUNDFLOW_CLAMD: %w", err)
	}
	return cl, nil
}

// checkWorker refuses settings a worker outside dev must not run with: a
// letter needs an absolute verify link, and uploads go unscanned only when
// someone has said so.
func (c *config) checkWorker() error {
	var errs []error
	if c.publicURL == "" {
		errs = append(errs, errors.New("FUNDFLOW_PUBLIC_URL is not set: letters print it in their verification links (e.g. https://fundflow.example.nhs.uk)"))
	}
	if c.clamd == "" {
		errs = append(errs, errors.New("FUNDFLOW_CLAMD is not set: give clamd's address (tcp://clamd:3310) to scan uploads, or off to store them unscanned"))
	}
	return errors.Join(errs...)
}
