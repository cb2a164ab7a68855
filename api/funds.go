package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"go.temporal.io/api/serviceerror"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/fund"
	"github.com/fundflow/fundflow/workflows"
)

// fundJSON is a fund as clients see it: the figures API.md promises at the
// top level, the full definition beside them.
type fundJSON struct {
	ID             string                   `json:"id"`
	Name           string                   `json:"name"`
	Sponsor        string                   `json:"sponsor"`
	Status         fund.Status              `json:"status"`
	Budget         fund.Balances            `json:"budget"`
	Awards         workflows.Awards         `json:"awards"`
	WaitlistLength int                      `json:"waitlist_length"`
	Definition     fund.Definition          `json:"definition"`
	History        []workflows.StatusChange `json:"history"`
	// Applications counts the fund's applications by status, from the
	// read model.
	Applications map[string]int64 `json:"applications,omitempty"`
}

func toFundJSON(v workflows.FundView) fundJSON {
	h := v.History
	if h == nil {
		h = []workflows.StatusChange{}
	}
	return fundJSON{
		ID: v.Definition.ID, Name: v.Definition.Name, Sponsor: v.Definition.Sponsor, Status: v.Status,
		Budget: v.Budget, Awards: v.Awards, WaitlistLength: len(v.Waitlist), Definition: v.Definition, History: h,
	}
}

func (s *server) fundView(r *http.Request, id string) (workflows.FundView, error) {
	var v workflows.FundView
	err := s.query(r.Context(), workflows.FundWorkflowID(id), workflows.QueryFund, &v)
	return v, orNotFound(err, "no fund %q", id)
}

func (s *server) getFund(w http.ResponseWriter, r *http.Request) {
	v, err := s.fundView(r, mux.Vars(r)["fund_id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := toFundJSON(v)
	if out.Applications, err = s.ReadModel.Counts(r.Context(), v.Definition.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listFunds reads funds from Temporal's visibility store; there are few
// funds, so a query per fund is cheap and always current.
func (s *server) listFunds(w http.ResponseWriter, r *http.Request) {
	p, err := readPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	ids, err := workflows.ListIDs(ctx, s.Temporal, workflows.EveryFund)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pg := paginate(ids, p)
	out := list[fundJSON]{Items: make([]fundJSON, 0, len(pg.Items)), NextCursor: pg.NextCursor}
	for _, id := range pg.Items {
		v, err := s.fundView(r, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.Items = append(out.Items, toFundJSON(v))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) createFund(w http.ResponseWriter, r *http.Request) {
	var def fund.Definition
	if err := decode(w, r, &def); err != nil {
		s.writeError(w, r, err)
		return
	}
	def = def.Defaults()
	if err := def.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.prefixFree(r, def); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	_, err := s.Temporal.ExecuteWorkflow(ctx, workflows.StartFundOptions(def.ID),
		workflows.FundWorkflow, workflows.FundWorkflowInput{Definition: def})
	cancel()
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		s.writeError(w, r, fundflow.Errorf(fundflow.ECONFLICT, "a fund with id %q already exists", def.ID))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.fundView(r, def.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/funds/"+def.ID)
	writeJSON(w, http.StatusCreated, toFundJSON(v))
}

// prefixFree refuses a fund whose reference prefix another fund gives
// references under, since a reference must name one application
// everywhere. Funds are few and made by admins, so reading each is cheap;
// two admins creating funds with one prefix in the same instant could
// both pass, which the fund list would show.
func (s *server) prefixFree(r *http.Request, def fund.Definition) error {
	ctx, cancel := context.WithTimeout(r.Context(), readTimeout)
	defer cancel()
	ids, err := workflows.ListIDs(ctx, s.Temporal, workflows.EveryFund)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == def.ID {
			continue // the create's own retry, or a clash the start reports
		}
		v, err := s.fundView(r, id)
		if err != nil {
			return err
		}
		if v.Definition.Prefix() == def.ReferencePrefix {
			return fundflow.Invalid{{Field: "reference_prefix", Message: fmt.Sprintf("is %s's already: choose another", v.Definition.Name)}}.
				Err("the fund definition is invalid")
		}
	}
	return nil
}

type lifecycleBody struct {
	Reason string `json:"reason"`
}

// fundLifecycle opens or closes a fund; the body, with an optional reason,
// may be omitted.
func (s *server) fundLifecycle(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body lifecycleBody
		cmd, err := readCommand(w, r, &body)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		id := mux.Vars(r)["fund_id"]
		var v workflows.FundView
		err = s.update(r.Context(), workflows.FundWorkflowID(id), name, cmd.Key, workflows.LifecycleRequest{Command: cmd, Reason: body.Reason}, &v)
		if err != nil {
			s.writeError(w, r, orNotFound(err, "no fund %q", id))
			return
		}
		writeJSON(w, http.StatusOK, toFundJSON(v))
	}
}

// ledger pages through the statement by sequence number.
func (s *server) ledger(w http.ResponseWriter, r *http.Request) {
	var v fundflow.Invalid
	limit := readLimit(r, &v)
	after := readSeqCursor(r, &v)
	if err := v.Err("the list parameters are invalid"); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := mux.Vars(r)["fund_id"]
	var page workflows.LedgerPage
	err := s.query(r.Context(), workflows.FundWorkflowID(id), workflows.QueryLedger, &page, workflows.LedgerQuery{AfterSeq: after, Limit: limit})
	if err != nil {
		s.writeError(w, r, orNotFound(err, "no fund %q", id))
		return
	}
	out := list[fund.Entry]{Items: page.Entries}
	if out.Items == nil {
		out.Items = []fund.Entry{}
	}
	out.NextCursor = seqCursor(page.NextAfterSeq)
	writeJSON(w, http.StatusOK, out)
}
