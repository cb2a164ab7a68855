package api

import (
	"net/http"

	"github.com/fundflow/fundflow"
)

// meJSON is the caller as their token presents them, so a front end can
// show who is signed in and which screens their role opens.
type meJSON struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Role    fundflow.Role `json:"role"`
	OrgCode string        `json:"org_code,omitempty"`
	OrgName string        `json:"org_name,omitempty"`
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r.Context())
	out := meJSON{ID: p.ID, Name: p.Name, Role: p.Role, OrgCode: p.OrgCode}
	// Lookup ignores validity dates, so an applicant whose organisation has
	// since been abolished still sees its name.
	if o, ok := s.Orgs.Lookup(p.OrgCode); ok {
		out.OrgName = o.Name
	}
	writeJSON(w, http.StatusOK, out)
}
