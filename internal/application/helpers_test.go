package application

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/internal/organisation"
)

// seedNow fixes the seeded fund's window: open from 15 March 2026 09:00 to
// 15 October 2026 17:00, UK time.
var seedNow = time.Date(2026, 4, 15, 10, 0, 0, 0, time.UTC)

func seed() fund.Definition { return fund.SeedDefinition(seedNow) }

func at(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func cal(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func reg(t testing.TB) *organisation.Registry {
	t.Helper()
	r, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fields lists the field paths of a validation error, in order; nil for nil.
func fields(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe *fundflow.Error
	if !errors.As(err, &fe) || fe.Code != fundflow.EVALIDATION {
		t.Fatalf("want a validation error, got %v", err)
	}
	out := []string{}
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return out
}

func code(err error) fundflow.Code { return fundflow.ErrorCode(err) }

// roundTrip marshals v and unmarshals it into out, as Temporal's data
// converter does with workflow state.
func roundTrip(t testing.TB, v, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}
