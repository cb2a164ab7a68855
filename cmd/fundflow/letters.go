package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/fundflow/fundflow/activities"
	"github.com/fundflow/fundflow/internal/blob"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

const lettersUsage = `Usage:
  fundflow letters check     compare every recorded letter's SHA-256 with the blob store
  fundflow letters rebuild   re-render missing or damaged letters from their recorded snapshots
`

// runLetters checks the letter store against Temporal, the system of
// record: each application's workflow lists the letters it issued, with
// their hashes and the snapshots they were rendered from.
func runLetters(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "rebuild") {
		fmt.Fprint(stderr, lettersUsage)
		return errUsage
	}
	rebuild := args[0] == "rebuild"
	e, err := parseCommand("letters "+args[0], args[1:], getenv, stderr, nil)
	if err != nil {
		return err
	}
	tc, _, err := dialTemporal(ctx, getenv, e.log, nil)
	if err != nil {
		return err
	}
	defer tc.Close()
	blobs, err := e.cfg.blobs(ctx)
	if err != nil {
		return err
	}
	defer blobs.Close()
	r, err := checkLetters(ctx, tc, blobs.Space(letters.Space), rebuild)
	if err != nil {
		return err
	}
	for _, line := range r.lines {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout, r)
	if r.bad() > 0 {
		if rebuild {
			return fmt.Errorf("%d letters could not be rebuilt", r.bad())
		}
		return fmt.Errorf("%d letters are missing or damaged; run fundflow letters rebuild", r.bad())
	}
	return nil
}

// lettersReport says what a check or rebuild found.
type lettersReport struct {
	letters, missing, rebuilt, failed int
	lines                             []string
	rebuild                           bool
}

func (r lettersReport) bad() int {
	if r.rebuild {
		return r.failed
	}
	return r.missing
}

func (r lettersReport) String() string {
	if r.rebuild {
		return fmt.Sprintf("%d letters checked: %d missing or damaged, %d rebuilt, %d could not be", r.letters, r.missing, r.rebuilt, r.failed)
	}
	return fmt.Sprintf("%d letters checked: %d missing or damaged", r.letters, r.missing)
}

// checkLetters reads every application's letters from Temporal and each
// letter's bytes from the store, which checks them against their hash. A
// rebuild renders a missing or damaged letter from its snapshot and stores
// it only if the bytes hash to what was recorded: the letter in someone's
// hands must still verify.
func checkLetters(ctx context.Context, tc client.Client, store *blob.Space, rebuild bool) (lettersReport, error) {
	ids, err := workflows.ListIDs(ctx, tc, workflows.EveryApplication)
	if err != nil {
		return lettersReport{}, fmt.Errorf("list applications: %w", err)
	}
	records := make([][]activities.LetterRecord, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, id := range ids {
		g.Go(func() error {
			resp, err := tc.QueryWorkflow(gctx, workflows.ApplicationWorkflowID(id), "", workflows.QueryApplication)
			if err != nil {
				return fmt.Errorf("query %s: %w", id, err)
			}
			var v workflows.ApplicationView
			if err := resp.Get(&v); err != nil {
				return err
			}
			records[i] = v.Letters
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return lettersReport{}, err
	}
	r := lettersReport{rebuild: rebuild}
	for _, rec := range slices.Concat(records...) {
		r.letters++
		_, err := store.Get(ctx, rec.SHA256)
		if err == nil {
			continue
		}
		problem := "damaged"
		if errors.Is(err, blob.ErrNotFound) {
			problem = "missing"
		}
		r.missing++
		if !rebuild {
			r.lines = append(r.lines, fmt.Sprintf("%s: %s (sha256 %s)", rec.Ref, problem, rec.SHA256))
			continue
		}
		if err := restoreLetter(ctx, store, rec); err != nil {
			r.failed++
			r.lines = append(r.lines, fmt.Sprintf("%s: %s, not rebuilt: %v", rec.Ref, problem, err))
			continue
		}
		r.rebuilt++
		r.lines = append(r.lines, fmt.Sprintf("%s: %s, rebuilt (sha256 %s)", rec.Ref, problem, rec.SHA256))
	}
	return r, nil
}

func restoreLetter(ctx context.Context, store *blob.Space, rec activities.LetterRecord) error {
	if rec.Snapshot == nil {
		return errors.New("it was issued before snapshots were recorded")
	}
	pdf, err := letters.Render(*rec.Snapshot)
	if err != nil {
		return err
	}
	if got := blob.Hash(pdf); got != rec.SHA256 {
		return fmt.Errorf("the snapshot renders to sha256 %s, not the recorded one; this renderer does not reproduce it", got)
	}
	// A damaged object would stop Put, which leaves what is there alone.
	if err := store.Delete(ctx, rec.SHA256); err != nil {
		return err
	}
	_, err = store.Put(ctx, pdf)
	return err
}
