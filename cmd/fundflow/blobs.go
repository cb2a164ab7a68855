package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/blob"
	"github.com/fundflow/fundflow/internal/clamd"
)

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
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.Ping(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("FUNDFLOW_BLOB_URL: %w", err)
	}
	return st, nil
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
