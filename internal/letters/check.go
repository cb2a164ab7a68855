package letters

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Recorded is what the system of record keeps of one issued letter.
type Recorded struct {
	Ref    string
	SHA256 string
	// Snapshot is nil for letters issued before snapshots were kept.
	Snapshot *Snapshot
}

// Mending is a Store that can also drop a damaged object, so the good
// bytes can take its place.
type Mending interface {
	Store
	Delete(ctx context.Context, sha256hex string) error
}

// Finding is what a check found of one letter.
type Finding struct {
	Ref, SHA256 string
	// Problem is "missing" or "damaged".
	Problem string
	// Rebuilt is set by Repair when the letter is back; Err says why not.
	Rebuilt bool
	Err     error
}

func (f Finding) String() string {
	switch {
	case f.Rebuilt:
		return fmt.Sprintf("%s: %s, rebuilt (sha256 %s)", f.Ref, f.Problem, f.SHA256)
	case f.Err != nil:
		return fmt.Sprintf("%s: %s, not rebuilt: %v", f.Ref, f.Problem, f.Err)
	}
	return fmt.Sprintf("%s: %s (sha256 %s)", f.Ref, f.Problem, f.SHA256)
}

// Check reads every recorded letter from the store, which checks its bytes
// against its hash, and reports those missing or damaged. With repair it
// renders each from its snapshot and stores it, but only if the bytes hash
// to what was recorded: the letter in someone's hands must still verify.
func Check(ctx context.Context, store Mending, recs []Recorded, repair bool) ([]Finding, error) {
	var out []Finding
	for _, rec := range recs {
		_, err := store.Get(ctx, rec.SHA256)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		f := Finding{Ref: rec.Ref, SHA256: rec.SHA256, Problem: "damaged"}
		if errors.Is(err, ErrNotFound) {
			f.Problem = "missing"
		}
		if repair {
			f.Err = rebuild(ctx, store, rec)
			f.Rebuilt = f.Err == nil
		}
		out = append(out, f)
	}
	return out, nil
}

// Summary is the closing line of a check of checked letters that found
// found, and the error to exit with while any is still missing or
// damaged. Letters drawn by the retired renderer 1 are counted apart: no
// rebuild can bring them back, and the error says what can.
func Summary(checked int, found []Finding, repaired bool) (string, error) {
	failed, retired := 0, 0
	for _, f := range found {
		if !f.Rebuilt {
			failed++
		}
		if errors.Is(f.Err, ErrRetiredRenderer) {
			retired++
		}
	}
	line := fmt.Sprintf("%d letters checked: %d missing or damaged, %d rebuilt", checked, len(found), len(found)-failed)
	switch {
	case failed == 0:
		return line, nil
	case retired > 0:
		return line, fmt.Errorf("%d letters could not be rebuilt, %d of them drawn by the retired renderer 1, "+
			"which only development data has: start fundflow dev on a fresh data directory", failed, retired)
	case repaired:
		return line, fmt.Errorf("%d letters could not be rebuilt", failed)
	}
	return line, fmt.Errorf("%d letters are missing or damaged; run fundflow letters rebuild", failed)
}

func rebuild(ctx context.Context, store Mending, rec Recorded) error {
	if rec.Snapshot == nil {
		return errors.New("it was issued before snapshots were recorded")
	}
	pdf, err := Render(*rec.Snapshot)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(pdf)
	if got := hex.EncodeToString(sum[:]); got != rec.SHA256 {
		return fmt.Errorf("the snapshot renders to sha256 %s, not the recorded one", got)
	}
	// Put leaves an object already there alone, damaged or not.
	if err := store.Delete(ctx, rec.SHA256); err != nil {
		return err
	}
	_, err = store.Put(ctx, pdf)
	return err
}
