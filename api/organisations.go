package api

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/organisation"
)

type orgRef struct {
	ODSCode string `json:"ods_code"`
	Name    string `json:"name"`
}

type orgValidity struct {
	Date      string  `json:"date"`
	Valid     bool    `json:"valid"`
	Status    string  `json:"status"`
	Successor *orgRef `json:"successor,omitempty"`
}

type orgJSON struct {
	ODSCode       string       `json:"ods_code"`
	SyntheticCode bool         `json:"synthetic_code"`
	ONSCode       string       `json:"ons_code,omitempty"`
	Name          string       `json:"name"`
	ShortName     string       `json:"short_name"`
	Nation        string       `json:"nation"`
	OrgType       string       `json:"org_type"`
	Region        string       `json:"region,omitempty"`
	Population    int64        `json:"population,omitempty"`
	ValidFrom     string       `json:"valid_from,omitempty"`
	ValidTo       string       `json:"valid_to,omitempty"`
	SuccessorODS  string       `json:"successor_ods,omitempty"`
	Validity      *orgValidity `json:"validity,omitempty"`
}

func toOrgJSON(o organisation.Org) orgJSON {
	return orgJSON{
		ODSCode: o.Code, SyntheticCode: o.SyntheticCode, ONSCode: o.ONSCode, Name: o.Name, ShortName: o.ShortName,
		Nation: string(o.Nation), OrgType: string(o.Type), Region: o.Region, Population: o.Population,
		ValidFrom: o.ValidFrom.String(), ValidTo: o.ValidTo.String(), SuccessorODS: o.Successor,
	}
}

// validOn reads ?valid_on=YYYY-MM-DD, defaulting to today in London.
func (s *server) validOn(r *http.Request) (organisation.Date, error) {
	q := r.URL.Query().Get("valid_on")
	if q == "" {
		return organisation.DateOf(s.Now()), nil
	}
	d, err := organisation.ParseDate(q)
	if err != nil {
		return organisation.Date{}, &fundflow.Error{Code: fundflow.EVALIDATION, Message: "valid_on is not a date",
			Fields: []fundflow.FieldError{{Field: "valid_on", Message: "must be a date as YYYY-MM-DD"}}}
	}
	return d, nil
}

func (s *server) listOrganisations(w http.ResponseWriter, r *http.Request) {
	page, err := readPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var on *organisation.Date
	if r.URL.Query().Has("valid_on") {
		d, err := s.validOn(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		on = &d
	}
	orgs := s.Orgs.Search(strings.TrimSpace(r.URL.Query().Get("q")), on)
	items := make([]orgJSON, 0, len(orgs))
	for _, o := range orgs {
		items = append(items, toOrgJSON(o))
	}
	writeJSON(w, http.StatusOK, paginate(items, page))
}

func (s *server) getOrganisation(w http.ResponseWriter, r *http.Request) {
	on, err := s.validOn(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	o, v := s.Orgs.ValidOn(mux.Vars(r)["ods_code"], on)
	if v.Status == organisation.NotFound {
		s.writeError(w, r, fundflow.Errorf(fundflow.ENOTFOUND, "no organisation has that code"))
		return
	}
	out := toOrgJSON(o)
	out.Validity = &orgValidity{Date: on.String(), Valid: v.Status == organisation.Valid, Status: v.Status.String()}
	if v.Successor != nil {
		out.Validity.Successor = &orgRef{ODSCode: v.Successor.Code, Name: v.Successor.Name}
	}
	writeJSON(w, http.StatusOK, out)
}
