package application

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

var (
	reviewer  = fundflow.Actor{ID: "u-r1", Name: "Ada", Role: fundflow.RoleReviewer}
	chair     = fundflow.Actor{ID: "u-pc", Name: "Priya", Role: fundflow.RolePanelChair}
	applicant = fundflow.Actor{ID: "u-a", Name: "Asha", Role: fundflow.RoleApplicant, OrgCode: "QHL"}
	asked     = time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	due       = asked.Add(10 * 24 * time.Hour)
)

func TestQueryAnswered(t *testing.T) {
	var qs Queries
	if _, ok := qs.Open(); ok {
		t.Fatal("no queries, yet one is open")
	}
	q, err := qs.Raise("q1", reviewer, "Which practices take part?", asked, due)
	if err != nil {
		t.Fatal(err)
	}
	if q.Outcome != QueryOpen || q.AskedBy != reviewer || !q.RespondBy.Equal(due) {
		t.Errorf("raised %+v", q)
	}
	if open, ok := qs.Open(); !ok || open.ID != "q1" {
		t.Errorf("open = %+v, %v", open, ok)
	}

	if err := qs.CheckAnswer("q1", applicant, "QHL", "Forty practices."); err != nil {
		t.Fatal(err)
	}
	a, err := qs.Answer("q1", applicant, "QHL", "Forty practices.", asked.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if a.Outcome != QueryAnswered || a.Answer != "Forty practices." || a.AnsweredBy != applicant || !a.AnsweredAt.Equal(asked.Add(time.Hour)) {
		t.Errorf("answered %+v", a)
	}
	if !reflect.DeepEqual(qs[0], a) {
		t.Error("the stored query differs from the one returned")
	}
	if _, ok := qs.Open(); ok {
		t.Error("answered query still open")
	}
	if _, err := qs.Answer("q1", applicant, "QHL", "Again.", asked.Add(2*time.Hour)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("second answer: %v", err)
	}
	if _, err := qs.Expire("q1", due); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("expiring an answered query: %v", err)
	}

	// With q1 answered, the panel chair may raise another.
	if _, err := qs.Raise("q2", chair, "Confirm the DTAC date.", due, due.Add(time.Hour)); err != nil {
		t.Errorf("second query: %v", err)
	}
}

func TestQueryExpires(t *testing.T) {
	var qs Queries
	if _, err := qs.Raise("q1", reviewer, "Which practices?", asked, due); err != nil {
		t.Fatal(err)
	}
	if _, err := qs.Expire("q1", due.Add(-time.Second)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("expired early: %v", err)
	}
	q, err := qs.Expire("q1", due)
	if err != nil || q.Outcome != QueryExpired {
		t.Fatalf("Expire = %+v, %v", q, err)
	}
	if _, err := qs.Answer("q1", applicant, "QHL", "Late.", due.Add(time.Hour)); code(err) != fundflow.EINVALIDSTATE {
		t.Errorf("answered an expired query: %v", err)
	}
	if _, err := qs.Expire("q9", due); code(err) != fundflow.ENOTFOUND {
		t.Errorf("expiring an unknown query: %v", err)
	}
}

func TestQueryAnswerAfterDeadlineBeforeExpiry(t *testing.T) {
	var qs Queries
	if _, err := qs.Raise("q1", reviewer, "Which practices?", asked, due); err != nil {
		t.Fatal(err)
	}
	if _, err := qs.Answer("q1", applicant, "QHL", "Forty.", due.Add(time.Minute)); err != nil {
		t.Errorf("an answer that beats the expiry was refused: %v", err)
	}
}

func TestQueryRefusals(t *testing.T) {
	var open Queries
	if _, err := open.Raise("q1", reviewer, "Which practices?", asked, due); err != nil {
		t.Fatal(err)
	}
	answered := Queries{{ID: "q1", Outcome: QueryAnswered}}

	raise := []struct {
		name      string
		qs        Queries
		id        string
		by        fundflow.Actor
		question  string
		respondBy time.Time
		want      fundflow.Code
		fields    string
	}{
		{"applicant cannot ask", nil, "q1", applicant, "?", due, fundflow.EFORBIDDEN, ""},
		{"programme manager cannot ask", nil, "q1", fundflow.Actor{Role: fundflow.RoleProgrammeManager}, "?", due, fundflow.EFORBIDDEN, ""},
		{"one open at a time", open, "q2", chair, "More?", due, fundflow.EINVALIDSTATE, ""},
		{"ids are unique", answered, "q1", reviewer, "More?", due, fundflow.ECONFLICT, ""},
		{"blank question and past deadline", nil, "", reviewer, " \n", asked, fundflow.EVALIDATION, "id question respond_by"},
		{"long question", nil, "q1", reviewer, strings.Repeat("?", MaxQuestionChars+1), due, fundflow.EVALIDATION, "question"},
	}
	for _, tt := range raise {
		t.Run("raise: "+tt.name, func(t *testing.T) {
			qs := append(Queries(nil), tt.qs...)
			check := qs.CheckRaise(tt.id, tt.by, tt.question, asked, tt.respondBy)
			_, err := qs.Raise(tt.id, tt.by, tt.question, asked, tt.respondBy)
			if code(err) != tt.want || code(check) != tt.want {
				t.Errorf("Raise: %v, CheckRaise: %v; want %s", err, check, tt.want)
			}
			if len(qs) != len(tt.qs) {
				t.Error("a refused query was recorded")
			}
			if tt.fields != "" {
				if got := strings.Join(fields(t, err), " "); got != tt.fields {
					t.Errorf("fields %q, want %q", got, tt.fields)
				}
			}
		})
	}

	answer := []struct {
		name   string
		id     string
		by     fundflow.Actor
		org    string
		answer string
		want   fundflow.Code
	}{
		{"reviewer cannot answer", "q1", reviewer, "QHL", "Forty.", fundflow.EFORBIDDEN},
		{"another organisation cannot answer", "q1", fundflow.Actor{Role: fundflow.RoleApplicant, OrgCode: "QUA"}, "QHL", "Forty.", fundflow.EFORBIDDEN},
		{"unknown query", "q9", applicant, "QHL", "Forty.", fundflow.ENOTFOUND},
		{"blank answer", "q1", applicant, "QHL", "  ", fundflow.EVALIDATION},
		{"long answer", "q1", applicant, "QHL", strings.Repeat("a", MaxAnswerChars+1), fundflow.EVALIDATION},
	}
	for _, tt := range answer {
		t.Run("answer: "+tt.name, func(t *testing.T) {
			qs := append(Queries(nil), open...)
			check := qs.CheckAnswer(tt.id, tt.by, tt.org, tt.answer)
			_, err := qs.Answer(tt.id, tt.by, tt.org, tt.answer, asked)
			if code(err) != tt.want || code(check) != tt.want {
				t.Errorf("Answer: %v, CheckAnswer: %v; want %s", err, check, tt.want)
			}
			if qs[0].Outcome != QueryOpen {
				t.Error("a refused answer closed the query")
			}
		})
	}
}

func TestQueriesSurviveJSON(t *testing.T) {
	var qs Queries
	_, _ = qs.Raise("q1", reviewer, "Which practices?", asked, due)
	_, _ = qs.Answer("q1", applicant, "QHL", "Forty.", asked.Add(time.Hour))
	_, _ = qs.Raise("q2", chair, "And the DTAC?", due, due.Add(time.Hour))
	var back Queries
	roundTrip(t, qs, &back)
	if !reflect.DeepEqual(back, qs) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, qs)
	}
}
