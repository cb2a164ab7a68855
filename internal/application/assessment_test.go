package application

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
)

const why = "Clear evidence of local need and a credible plan."

var (
	ada   = Reviewer{ID: "r1", Name: "Ada"}
	ben   = Reviewer{ID: "r2", Name: "Ben"}
	cleo  = Reviewer{ID: "r3", Name: "Cleo"}
	tAsgn = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
)

// assessmentOf scores every criterion of def with score, by r.
func assessmentOf(def fund.Definition, r Reviewer, score int) Assessment {
	a := Assessment{ReviewerID: r.ID, ReviewerName: r.Name, Feedback: "Strong on need.", SubmittedAt: tAsgn}
	for _, c := range def.Criteria {
		a.Scores = append(a.Scores, Score{CriterionID: c.ID, Score: score, Justification: why})
	}
	return a
}

func TestValidateAssessment(t *testing.T) {
	def := seed()
	tests := []struct {
		name string
		edit func(a *Assessment)
		want []string
	}{
		{"valid", func(*Assessment) {}, nil},
		{"internal comment is optional", func(a *Assessment) { a.InternalComment = "" }, nil},
		{"justification at its minimum", func(a *Assessment) { a.Scores[0].Justification = strings.Repeat("é", MinJustificationChars) }, nil},
		{"every problem at once", func(a *Assessment) {
			a.ReviewerID = ""
			a.Scores[0].Score = 6                                       // off the 1–5 scale
			a.Scores[1].CriterionID = "vibes"                           // unknown, and leaves delivery_and_integration unscored
			a.Scores[2].Justification = "ok"                            // too short
			a.Scores[3].Justification = "   " + strings.Repeat(" ", 30) // blank however long
			a.Scores = append(a.Scores, a.Scores[4])                    // duplicate
			a.Feedback = " "
			a.InternalComment = strings.Repeat("x", MaxInternalCommentChars+1)
		}, []string{
			"reviewer_id", "scores[5].criterion_id", "scores[0].score", "scores[1].criterion_id", "scores",
			"scores[2].justification", "scores[3].justification", "feedback", "internal_comment",
		}},
		{"no scores at all", func(a *Assessment) { a.Scores = nil }, []string{"scores", "scores", "scores", "scores", "scores"}},
		{"long justification", func(a *Assessment) {
			a.Scores[4].Justification = strings.Repeat("x", MaxJustificationChars+1)
		}, []string{"scores[4].justification"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := assessmentOf(def, ada, 4)
			a.InternalComment = "Check the DPIA timeline."
			tt.edit(&a)
			if got := fields(t, ValidateAssessment(a, def)); !slices.Equal(got, tt.want) {
				t.Errorf("fields %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestPanelLifecycle(t *testing.T) {
	def := seed()
	p := NewPanel("QHL", def.ReviewersPerApplication)
	if p.Complete() || p.Needed() != 2 {
		t.Fatalf("empty panel: complete %v, needed %d", p.Complete(), p.Needed())
	}
	if _, err := p.WeightedTotal(def); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("total of an empty panel: %v", err)
	}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.Assign(ada, tAsgn))
	must(p.Assign(ben, tAsgn))
	if err := p.Assign(cleo, tAsgn); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("third reviewer on a panel of two: %v", err)
	}
	if err := p.Assign(ada, tAsgn); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("assigning twice: %v", err)
	}
	if err := p.Submit(assessmentOf(def, cleo, 3), def); code(err) != fundflow.EFORBIDDEN {
		t.Errorf("unassigned reviewer submitted: %v", err)
	}

	must(p.Submit(assessmentOf(def, ada, 4), def))
	if p.Complete() {
		t.Error("complete with one of two assessments")
	}

	// Ben declares a conflict: he is taken off, Ada's work stands, and the
	// panel is not complete until a replacement scores, even though
	// everyone currently on it has.
	replace, err := p.DeclareConflict(ben, "Former employee of the ICB.", tAsgn.Add(time.Hour))
	if err != nil || !replace {
		t.Fatalf("DeclareConflict = %v, %v", replace, err)
	}
	if again, err := p.DeclareConflict(ben, "again", tAsgn.Add(2*time.Hour)); err != nil || again || len(p.Conflicts) != 1 {
		t.Errorf("second declaration: %v, %v, %d conflicts", again, err, len(p.Conflicts))
	}
	if got := p.Current(); !slices.Equal(got, []Reviewer{ada}) {
		t.Errorf("current %v", got)
	}
	if p.Complete() {
		t.Error("complete while a replacement is needed")
	}
	if c := p.Conflicts[0]; c.OrgCode != "QHL" || c.Reviewer != ben {
		t.Errorf("conflict %+v", c)
	}
	if err := p.Submit(assessmentOf(def, ben, 5), def); code(err) != fundflow.EFORBIDDEN {
		t.Errorf("conflicted reviewer submitted: %v", err)
	}
	if err := p.Assign(ben, tAsgn); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("conflicted reviewer reassigned: %v", err)
	}
	if got := p.Excluded(); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("excluded %q", got)
	}

	// An unassigned reviewer may declare a conflict ahead of time.
	dan := Reviewer{ID: "r4", Name: "Dan"}
	if replace, err := p.DeclareConflict(dan, "", tAsgn); err != nil || replace {
		t.Errorf("unassigned declaration: %v, %v", replace, err)
	}
	if got := p.Excluded(); !slices.Equal(got, []string{"r1", "r2", "r4"}) {
		t.Errorf("excluded %q", got)
	}

	chosen, err := ChooseReviewers([]Reviewer{ada, ben, cleo, dan}, nil, p.Excluded(), p.Needed())
	if err != nil || !slices.Equal(chosen, []Reviewer{cleo}) {
		t.Fatalf("replacement %v, %v", chosen, err)
	}
	must(p.Assign(cleo, tAsgn.Add(3*time.Hour)))
	must(p.Submit(assessmentOf(def, cleo, 3), def))
	if !p.Complete() {
		t.Fatal("not complete")
	}
	if total, err := p.WeightedTotal(def); err != nil || total != 350 {
		t.Errorf("total %d, %v; want 350", total, err)
	}

	// Ada rescores: both versions are kept, the latest counts.
	re := assessmentOf(def, ada, 5)
	re.SubmittedAt = tAsgn.Add(4 * time.Hour)
	must(p.Submit(re, def))
	if len(p.Assessments) != 3 {
		t.Errorf("history has %d assessments, want 3", len(p.Assessments))
	}
	latest := p.Latest()
	if len(latest) != 2 || latest[0].ReviewerID != "r1" || latest[0].Scores[0].Score != 5 || latest[1].ReviewerID != "r3" {
		t.Errorf("latest %+v", latest)
	}
	if total, _ := p.WeightedTotal(def); total != 400 {
		t.Errorf("total after rescoring %d, want 400", total)
	}

	// Invalid assessments change nothing.
	bad := assessmentOf(def, ada, 9)
	if err := p.Submit(bad, def); code(err) != fundflow.EVALIDATION || len(p.Assessments) != 3 {
		t.Errorf("invalid assessment: %v, %d in history", err, len(p.Assessments))
	}
	if _, err := p.DeclareConflict(cleo, strings.Repeat("x", MaxConflictNoteChars+1), tAsgn); code(err) != fundflow.EVALIDATION || !p.current("r3") {
		t.Errorf("overlong conflict note: %v", err)
	}
}

// roundingFund has two criteria weighted 1 and 99, scored 0–100, so one
// reviewer's weighted score is s1 + 99·s2 hundredths: any whole number of
// hundredths can be made, which lets the averaging be tested on its own.
func roundingFund() fund.Definition {
	scale := fund.Scale{Min: 0, Max: 100}
	return fund.Definition{Criteria: []fund.Criterion{
		{ID: "a", Weight: 1, Scale: scale},
		{ID: "b", Weight: 99, Scale: scale},
	}}
}

func TestWeightedTotalRoundsHalfUp(t *testing.T) {
	def := roundingFund()
	tests := []struct {
		reviewers []int // each reviewer's weighted score, in hundredths
		want      int
	}{
		{[]int{375, 350}, 363}, // 362.5 rounds up
		{[]int{1, 2}, 2},       // 1.5 rounds up
		{[]int{0, 1}, 1},       // 0.5 rounds up
		{[]int{1, 1, 0}, 1},    // 0.67
		{[]int{1, 0, 0}, 0},    // 0.33
		{[]int{300, 300, 301}, 300},
		{[]int{300, 301, 301}, 301},
		{[]int{299, 300}, 300}, // 299.5: the pass-mark boundary goes up
		{[]int{500}, 500},
		{[]int{100, 101, 101, 101}, 101}, // 100.75
		{[]int{100, 100, 101, 101}, 101}, // 100.5
		{[]int{100, 100, 100, 101}, 100}, // 100.25
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.reviewers), func(t *testing.T) {
			p := NewPanel("QHL", len(tt.reviewers))
			for i, w := range tt.reviewers {
				r := Reviewer{ID: fmt.Sprintf("r%d", i)}
				if err := p.Assign(r, tAsgn); err != nil {
					t.Fatal(err)
				}
				a := Assessment{ReviewerID: r.ID, Feedback: "fine", Scores: []Score{
					{CriterionID: "a", Score: w % 99, Justification: why},
					{CriterionID: "b", Score: w / 99, Justification: why},
				}}
				if got, _ := def.WeightedScore(a.criterionScores()); got != w {
					t.Fatalf("setup: reviewer score %d, want %d", got, w)
				}
				if err := p.Submit(a, def); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := p.WeightedTotal(def); err != nil || got != tt.want {
				t.Errorf("WeightedTotal = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestChooseReviewers(t *testing.T) {
	pool := []Reviewer{cleo, ada, ben, {ID: "r4", Name: "Dan"}, ada}
	tests := []struct {
		name     string
		load     map[string]int
		excluded []string
		n        int
		want     []string
		err      bool
	}{
		{"ties go to the lower id", nil, nil, 2, []string{"r1", "r2"}, false},
		{"least loaded first", map[string]int{"r1": 3, "r2": 1, "r3": 0, "r4": 1}, nil, 3, []string{"r3", "r2", "r4"}, false},
		{"exclusions", map[string]int{"r3": 9}, []string{"r1", "r2"}, 2, []string{"r4", "r3"}, false},
		{"duplicates in the pool count once", nil, []string{"r3", "r4"}, 2, []string{"r1", "r2"}, false},
		{"too few", nil, []string{"r1", "r2"}, 3, nil, true},
		{"none needed", nil, nil, 0, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChooseReviewers(pool, tt.load, tt.excluded, tt.n)
			if tt.err {
				if code(err) != fundflow.EINVALIDSTATE || got != nil {
					t.Errorf("got %v, %v; want an invalid_state error", got, err)
				}
				return
			}
			ids := []string{}
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if err != nil || !slices.Equal(ids, tt.want) {
				t.Errorf("got %q, %v; want %q", ids, err, tt.want)
			}
		})
	}
	if _, err := ChooseReviewers(pool, nil, []string{"r1", "r2"}, 3); !strings.Contains(err.Error(), "3 reviewers are needed but only 2 are available") {
		t.Errorf("message %q", err)
	}
}

func TestChooseReviewersProperties(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f"}
	rapid.Check(t, func(t *rapid.T) {
		var pool []Reviewer
		for _, id := range rapid.SliceOfN(rapid.SampledFrom(ids), 0, 8).Draw(t, "pool") {
			pool = append(pool, Reviewer{ID: id, Name: strings.ToUpper(id)})
		}
		load := map[string]int{}
		for _, id := range ids {
			load[id] = rapid.IntRange(0, 3).Draw(t, "load")
		}
		excluded := rapid.SliceOfNDistinct(rapid.SampledFrom(ids), 0, 3, rapid.ID).Draw(t, "excluded")
		n := rapid.IntRange(0, 4).Draw(t, "n")

		var eligible []string
		for _, r := range pool {
			if !slices.Contains(excluded, r.ID) && !slices.Contains(eligible, r.ID) {
				eligible = append(eligible, r.ID)
			}
		}
		got, err := ChooseReviewers(pool, load, excluded, n)
		if len(eligible) < n {
			if code(err) != fundflow.EINVALIDSTATE {
				t.Fatalf("%d eligible for %d places: %v", len(eligible), n, err)
			}
			return
		}
		if err != nil || len(got) != n {
			t.Fatalf("got %v, %v; want %d", got, err, n)
		}
		var chosen []string
		for _, r := range got {
			if slices.Contains(excluded, r.ID) {
				t.Fatalf("picked excluded %s", r.ID)
			}
			if slices.Contains(chosen, r.ID) {
				t.Fatalf("picked %s twice", r.ID)
			}
			chosen = append(chosen, r.ID)
		}
		// Balance: nobody left out carries less work than someone picked.
		for _, c := range chosen {
			for _, e := range eligible {
				if !slices.Contains(chosen, e) && load[e] < load[c] {
					t.Fatalf("picked %s (load %d) over %s (load %d)", c, load[c], e, load[e])
				}
			}
		}
		// Determinism: the pool's order does not matter.
		shuffled := slices.Clone(pool)
		slices.Reverse(shuffled)
		again, _ := ChooseReviewers(shuffled, load, excluded, n)
		if !slices.Equal(again, got) {
			t.Fatalf("pool order changed the choice: %v vs %v", got, again)
		}
	})
}

func TestPanelSurvivesJSON(t *testing.T) {
	def := seed()
	p := NewPanel("QHL", 2)
	_ = p.Assign(ada, tAsgn)
	_ = p.Assign(ben, tAsgn)
	_, _ = p.DeclareConflict(ben, "Former employee.", tAsgn)
	_ = p.Submit(assessmentOf(def, ada, 4), def)
	var back Panel
	roundTrip(t, p, &back)
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, p)
	}
}
