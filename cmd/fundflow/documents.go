package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/fundflow/fundflow/internal/adapter/blob"
	"github.com/fundflow/fundflow/internal/document"
	"github.com/fundflow/fundflow/workflows"
)

const documentsUsage = `Usage:
  fundflow documents sweep [--delete] [--min-age 24h] [--quarantine-retention 720h]
      list the stored uploads no record refers to (removed files, refused uploads)
      and quarantined files kept past the retention; with --delete, delete them
`

// runDocuments sweeps the blob store's uploads against Temporal, the
// system of record: every application's workflow lists its files by
// SHA-256, and a file is kept while any of them refers to it.
func runDocuments(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "sweep" {
		fmt.Fprint(stderr, documentsUsage)
		return errUsage
	}
	policy := document.SweepPolicy{MinAge: document.DefaultSweepMinAge, QuarantineRetention: document.DefaultQuarantineRetention}
	if v := getenv("FUNDFLOW_QUARANTINE_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("FUNDFLOW_QUARANTINE_RETENTION: %q is not a duration such as 720h", v)
		}
		policy.QuarantineRetention = d
	}
	var del bool
	e, err := parseCommand("documents sweep", args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&del, "delete", false, "delete what the sweep finds (without it, only list)")
		fs.DurationVar(&policy.MinAge, "min-age", policy.MinAge, "spare anything stored more recently than this (an upload in flight)")
		fs.DurationVar(&policy.QuarantineRetention, "quarantine-retention", policy.QuarantineRetention,
			"keep infected files this long (0 keeps them while their records do; FUNDFLOW_QUARANTINE_RETENTION)")
	})
	if err != nil {
		return err
	}
	if policy.MinAge < time.Hour {
		return errors.New("--min-age must be at least 1h: an upload is stored before it is recorded")
	}
	tc, blobs, closeAll, err := e.dialRecords(ctx, getenv)
	if err != nil {
		return err
	}
	defer closeAll()
	return sweepDocuments(ctx, blobs, func(ctx context.Context) ([]document.Document, error) {
		return documentRecords(ctx, tc)
	}, policy, time.Now(), del, stdout)
}

// sweepDocuments lists the stored objects first and the records after, so
// any record made for an object (which Put stores, or stores again,
// before the record is made) is seen: an object older than the policy's
// MinAge was last stored before the listing of records began.
func sweepDocuments(ctx context.Context, blobs *blob.Store, records func(context.Context) ([]document.Document, error),
	policy document.SweepPolicy, now time.Time, del bool, stdout io.Writer) error {
	spaces := map[bool]*blob.Space{false: blobs.Space(document.Space), true: blobs.Space(document.QuarantineSpace)}
	var stored []document.Stored
	for _, q := range []bool{false, true} {
		if err := spaces[q].List(ctx, func(o blob.Object) error {
			stored = append(stored, document.Stored{SHA256: o.SHA256, ModTime: o.ModTime, Quarantined: q})
			return nil
		}); err != nil {
			return err
		}
	}
	recs, err := records(ctx)
	if err != nil {
		return err
	}
	found := policy.Sweepable(now, stored, recs)
	slices.SortFunc(found, func(a, b document.Stored) int { return a.ModTime.Compare(b.ModTime) })
	verb := "would delete"
	if del {
		verb = "deleted"
	}
	for _, s := range found {
		if del {
			if err := spaces[s.Quarantined].Delete(ctx, s.SHA256); err != nil {
				return err
			}
		}
		where := document.Space
		if s.Quarantined {
			where = document.QuarantineSpace
		}
		fmt.Fprintf(stdout, "%s %s/%s (stored %s)\n", verb, where, s.SHA256, s.ModTime.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "%d stored files, %d records: %s %d\n", len(stored), len(recs), verb, len(found))
	if !del && len(found) > 0 {
		fmt.Fprintln(stdout, "run fundflow documents sweep --delete to delete them")
	}
	return nil
}

// documentRecords lists every application's files from Temporal.
func documentRecords(ctx context.Context, tc client.Client) ([]document.Document, error) {
	return fromEveryView(ctx, tc, func(v workflows.ApplicationView) []document.Document { return v.Documents })
}
