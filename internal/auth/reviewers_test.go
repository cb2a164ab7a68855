package auth

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/testredis"
)

func TestReviewersIndexesReviewerTokens(t *testing.T) {
	rdb, prefix := testredis.New(t)
	s := NewStore(rdb, prefix, nil)
	ctx := context.Background()

	none, err := s.Reviewers(ctx)
	if err != nil || len(none) != 0 {
		t.Fatalf("Reviewers before any = %v, %v", none, err)
	}
	var want []Principal
	for _, name := range []string{"Rita Reviewer", "Ravi Reviewer"} {
		_, p, err := s.Create(ctx, Request{Role: fundflow.RoleReviewer, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, Principal{ID: p.ID, Name: p.Name, Role: fundflow.RoleReviewer})
	}
	if _, _, err := s.Create(ctx, Request{Role: fundflow.RolePanelChair, Name: "Pat Chair"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(ctx, Request{Role: fundflow.RoleApplicant, OrgCode: "QUY", Name: "Lee Lead"}); err != nil {
		t.Fatal(err)
	}
	// Dev mode registers its saved tokens again at every start.
	token := tokenPrefix + "reviewer-three"
	for range 2 {
		p, err := s.Register(ctx, token, Request{Role: fundflow.RoleReviewer, Name: "Rowan Reviewer"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(want, func(w Principal) bool { return w.ID == p.ID }) {
			want = append(want, Principal{ID: p.ID, Name: p.Name, Role: fundflow.RoleReviewer})
		}
	}
	slices.SortFunc(want, func(a, b Principal) int { return strings.Compare(a.ID, b.ID) })

	got, err := s.Reviewers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Reviewers = %+v\nwant        %+v", got, want)
	}
}
