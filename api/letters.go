package api

import (
	"cmp"
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"go.temporal.io/api/serviceerror"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/letters"
	"github.com/fundflow/fundflow/workflows"
)

// letterItem is a letter in an application's list: where to fetch it and
// the hash to check it by.
type letterItem struct {
	Ref      string       `json:"ref"`
	Kind     letters.Kind `json:"kind"`
	IssuedAt time.Time    `json:"issued_at"`
	SHA256   string       `json:"sha256"`
	URL      string       `json:"url"`
}

func (s *server) listLetters(w http.ResponseWriter, r *http.Request) {
	v, err := s.applicationView(r, mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]letterItem, len(v.Letters))
	for i, l := range v.Letters {
		out[i] = letterItem{Ref: l.Ref, Kind: l.Kind, IssuedAt: l.IssuedAt, SHA256: l.SHA256, URL: "/v1/letters/" + l.Ref}
	}
	writeJSON(w, http.StatusOK, out)
}

// letterOf finds a letter's record from its reference, which names the
// application, under the application's access rule: a letter the caller may
// not see does not exist.
func (s *server) letterOf(r *http.Request, ref string) (letters.Record, error) {
	notFound := fundflow.Errorf(fundflow.ENOTFOUND, "no letter %q", ref)
	appID, ok, err := s.letterApplication(r.Context(), ref)
	if err != nil || !ok {
		return letters.Record{}, cmp.Or(err, error(notFound))
	}
	v, err := s.applicationView(r, appID)
	if err != nil {
		if fundflow.ErrorCode(err) == fundflow.ENOTFOUND {
			return letters.Record{}, notFound
		}
		return letters.Record{}, err
	}
	for _, l := range v.Letters {
		if l.Ref == ref {
			return l, nil
		}
	}
	return letters.Record{}, notFound
}

// letterApplication is the id of the application a letter's reference
// names, ok false when it names none: a malformed reference, or one under
// an application reference never given.
func (s *server) letterApplication(ctx context.Context, ref string) (id string, ok bool, err error) {
	app, _, _, ok := workflows.ParseLetterRef(ref)
	if !ok {
		return "", false, nil
	}
	id, err = s.applicationID(ctx, app)
	if fundflow.ErrorCode(err) == fundflow.ENOTFOUND {
		return "", false, nil
	}
	return id, err == nil && validID(id), err
}

// getLetter serves the PDF exactly as stored; the store checks the bytes
// against their hash on the way out.
func (s *server) getLetter(w http.ResponseWriter, r *http.Request) {
	ref := mux.Vars(r)["ref"]
	rec, err := s.letterOf(r, ref)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.Letters == nil {
		s.writeError(w, r, fundflow.Errorf(fundflow.EUNAVAILABLE, "letters are not available from this server"))
		return
	}
	pdf, err := s.Letters.Get(r.Context(), rec.SHA256)
	if errors.Is(err, letters.ErrNotFound) {
		err = fundflow.Errorf(fundflow.ENOTFOUND, "letter %q is recorded but not in the letter store", ref)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+ref+`.pdf"`)
	w.Header().Set("ETag", `"`+rec.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pdf)
}

// letterCheck is the public answer to "is this letter genuine?". It says
// what kind of letter it is and when it was issued, and only for a match:
// nothing personal, and nothing at all to someone guessing references.
type letterCheck struct {
	Ref      string       `json:"ref"`
	Valid    bool         `json:"valid"`
	Kind     letters.Kind `json:"kind,omitempty"`
	IssuedAt *time.Time   `json:"issued_at,omitempty"`
}

// verifyLetter is public: anyone holding a letter can check it, with no
// token. It reads the workflow directly, not through applicationView, since
// there is no caller to apply an access rule to.
func (s *server) verifyLetter(w http.ResponseWriter, r *http.Request) {
	ref := mux.Vars(r)["ref"]
	sum := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("sha256")))
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		s.writeError(w, r, fundflow.Invalid{{Field: "sha256", Message: "must be the letter's SHA-256, 64 hex digits"}}.Err("the check is invalid"))
		return
	}
	out := letterCheck{Ref: ref}
	appID, ok, err := s.letterApplication(r.Context(), ref)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ok {
		var v workflows.ApplicationView
		err := s.query(r.Context(), workflows.ApplicationWorkflowID(appID), workflows.QueryApplication, &v)
		var notFound *serviceerror.NotFound
		if err != nil && !errors.As(err, &notFound) {
			s.writeError(w, r, err)
			return
		}
		for _, l := range v.Letters {
			if l.Ref == ref && subtle.ConstantTimeCompare([]byte(l.SHA256), []byte(sum)) == 1 {
				issued := l.IssuedAt
				out.Valid, out.Kind, out.IssuedAt = true, l.Kind, &issued
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}
