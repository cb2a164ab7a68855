package application

import (
	"slices"
	"strings"
	"time"

	"github.com/fundflow/fundflow"
)

// Limits on query text, in characters; exported for the web form.
const (
	MaxQuestionChars = 2000
	MaxAnswerChars   = 5000
)

// QueryOutcome is where an information request stands.
type QueryOutcome string

const (
	QueryOpen     QueryOutcome = "open"
	QueryAnswered QueryOutcome = "answered"
	// QueryExpired: the response deadline passed unanswered, and the stage
	// carried on without the information.
	QueryExpired QueryOutcome = "expired"
)

// Query is a request for information from a reviewer or panel chair to the
// applicant.
type Query struct {
	ID         string         `json:"id"`
	AskedBy    fundflow.Actor `json:"asked_by"`
	Question   string         `json:"question"`
	AskedAt    time.Time      `json:"asked_at"`
	RespondBy  time.Time      `json:"respond_by"`
	Answer     string         `json:"answer,omitempty"`
	AnsweredBy fundflow.Actor `json:"answered_by,omitzero"`
	AnsweredAt time.Time      `json:"answered_at,omitzero"`
	// Documents are the ids of documents the answer refers to.
	Documents []string     `json:"documents,omitempty"`
	Outcome   QueryOutcome `json:"outcome"`
}

// Queries is an application's information requests, oldest first.
//
// At most one is open at a time. An open query is what pauses the stage
// clock and puts the application in information_requested; with several,
// the clock would restart on the first answer while the applicant still
// owed another, and the application would show "Further information
// requested" with no single deadline. Reviewers put everything they need
// into one query instead.
type Queries []Query

// Open returns the open query, if there is one.
func (qs Queries) Open() (Query, bool) {
	i := slices.IndexFunc(qs, func(q Query) bool { return q.Outcome == QueryOpen })
	if i < 0 {
		return Query{}, false
	}
	return qs[i], true
}

// CheckRaise reports whether Raise would succeed, changing nothing.
func (qs Queries) CheckRaise(id string, by fundflow.Actor, question string, at, respondBy time.Time) error {
	if by.Role != fundflow.RoleReviewer && by.Role != fundflow.RolePanelChair {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only a reviewer or the panel chair can raise a query")
	}
	if open, ok := qs.Open(); ok {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "query %s is still open; only one query can be open at a time", open.ID)
	}
	if slices.ContainsFunc(qs, func(q Query) bool { return q.ID == id }) {
		return fundflow.Errorf(fundflow.ECONFLICT, "query id %s is already used", id)
	}
	var v fundflow.Invalid
	if strings.TrimSpace(id) == "" {
		v.Add("id", "is required")
	}
	text(&v, "question", question, MaxQuestionChars, true)
	if !respondBy.After(at) {
		v.Add("respond_by", "must be after the query is raised")
	}
	return v.Err("the query is invalid")
}

// Raise opens a query with the given id; the caller chooses ids so that
// they are deterministic. The caller pauses the stage clock.
func (qs *Queries) Raise(id string, by fundflow.Actor, question string, at, respondBy time.Time) (Query, error) {
	if err := qs.CheckRaise(id, by, question, at, respondBy); err != nil {
		return Query{}, err
	}
	q := Query{ID: id, AskedBy: by, Question: question, AskedAt: at.UTC(), RespondBy: respondBy.UTC(), Outcome: QueryOpen}
	*qs = append(*qs, q)
	return q, nil
}

// CheckAnswer reports whether Answer would succeed, changing nothing.
func (qs Queries) CheckAnswer(id string, by fundflow.Actor, orgCode, answer string) error {
	if !by.ApplicantOf(orgCode) {
		return fundflow.Errorf(fundflow.EFORBIDDEN, "only the applicant organisation can answer a query")
	}
	if err := qs.CheckAnswerable(id); err != nil {
		return err
	}
	var v fundflow.Invalid
	text(&v, "answer", answer, MaxAnswerChars, true)
	return v.Err("the answer is invalid")
}

// CheckAnswerable reports whether query id is open to an answer.
func (qs Queries) CheckAnswerable(id string) error {
	i := qs.index(id)
	if i < 0 {
		return fundflow.Errorf(fundflow.ENOTFOUND, "query %s not found", id)
	}
	if o := qs[i].Outcome; o != QueryOpen {
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "query %s is %s and can no longer be answered", id, o)
	}
	return nil
}

// Answer records the applicant's answer to an open query from orgCode's
// application. An answer that arrives after respond_by but before the
// expiry has been processed is accepted: the applicant did answer, and
// turning it away would only slow the stage down. The caller resumes the
// stage clock.
func (qs *Queries) Answer(id string, by fundflow.Actor, orgCode, answer string, at time.Time) (Query, error) {
	if err := qs.CheckAnswer(id, by, orgCode, answer); err != nil {
		return Query{}, err
	}
	q := &(*qs)[qs.index(id)]
	q.Answer, q.AnsweredBy, q.AnsweredAt, q.Outcome = answer, by, at.UTC(), QueryAnswered
	return *q, nil
}

// Expire closes an open query unanswered once its deadline has passed. The
// caller resumes the stage clock.
func (qs *Queries) Expire(id string, at time.Time) (Query, error) {
	i := qs.index(id)
	switch {
	case i < 0:
		return Query{}, fundflow.Errorf(fundflow.ENOTFOUND, "query %s not found", id)
	case (*qs)[i].Outcome != QueryOpen:
		return Query{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "query %s is %s, not open", id, (*qs)[i].Outcome)
	case at.Before((*qs)[i].RespondBy):
		return Query{}, fundflow.Errorf(fundflow.EINVALIDSTATE, "query %s is not due until %s",
			id, (*qs)[i].RespondBy.Format(time.RFC3339))
	}
	(*qs)[i].Outcome = QueryExpired
	return (*qs)[i], nil
}

func (qs Queries) index(id string) int {
	return slices.IndexFunc(qs, func(q Query) bool { return q.ID == id })
}
