package readmodel

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/fundflow/fundflow/internal/application"
	"github.com/fundflow/fundflow/internal/outcome"
)

// An award's outcome projection is its targets, plan, credit drawn and
// verified figures (outcome.Award, compacted to the figures that count),
// kept in one hash per fund so the roll-up reads every award of a fund in
// one round trip instead of querying each award's workflow. It is written
// with the row, from the same state and at the same version, and only for
// awards (an application never stops being one once it is).

var (
	//go:embed outcome.lua
	outcomeSource string
	outcomeScript = redis.NewScript(outcomeSource)
)

func (s *Store) outcomeKey(fund string) string        { return s.prefix + "outcomes:" + fund }
func (s *Store) outcomeVersionKey(fund string) string { return s.prefix + "outcomever:" + fund }

// putOutcome writes a's outcome projection unless a newer one is there.
func (s *Store) putOutcome(ctx context.Context, a application.Row, live bool) error {
	if a.Outcome == nil {
		return nil
	}
	b, err := json.Marshal(outcome.Compact(*a.Outcome))
	if err != nil {
		return err
	}
	err = outcomeScript.Run(ctx, s.rdb, []string{s.outcomeKey(a.FundID), s.outcomeVersionKey(a.FundID)},
		a.ID, a.Version, string(b), flag(live)).Err()
	if err != nil {
		return fmt.Errorf("readmodel: put outcome %s: %w", a.ID, err)
	}
	return nil
}

// removeOutcome drops the outcome projection of an application Temporal no
// longer has.
func (s *Store) removeOutcome(ctx context.Context, a application.Row) error {
	pipe := s.rdb.TxPipeline()
	pipe.HDel(ctx, s.outcomeKey(a.FundID), a.ID)
	pipe.HDel(ctx, s.outcomeVersionKey(a.FundID), a.ID)
	_, err := pipe.Exec(ctx)
	return err
}

// Outcomes is every award of the fund as its outcome projection holds it,
// in organisation then id order (the dashboard's order). Nation is left to
// the reader, who has the registry.
func (s *Store) Outcomes(ctx context.Context, fund string) ([]outcome.Award, error) {
	m, err := s.rdb.HGetAll(ctx, s.outcomeKey(fund)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]outcome.Award, 0, len(m))
	for id, v := range m {
		var a outcome.Award
		if err := json.Unmarshal([]byte(v), &a); err != nil {
			return nil, fmt.Errorf("readmodel: outcome %s: %w", id, err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b outcome.Award) int {
		return cmp.Or(cmp.Compare(a.OrgCode, b.OrgCode), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	return out, nil
}

// OutcomeVersions is the version of each award's outcome projection in the
// fund, for drift checks.
func (s *Store) OutcomeVersions(ctx context.Context, fund string) (map[string]string, error) {
	return s.rdb.HGetAll(ctx, s.outcomeVersionKey(fund)).Result()
}
