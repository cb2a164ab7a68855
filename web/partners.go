package web

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/internal/partner"
	"github.com/fundflow/fundflow/web/apiclient"
)

// A bid's partner organisations, as a list to add to, change and remove
// from. The API takes the whole list each time, so every change sends the
// list as the page read it with the one change made.

// partnerKind is a kind of partner as the form offers it: the domain's
// kind and name, and how its register number looks. An NHS body has
// none: it is named by its ODS code.
type partnerKind struct {
	Value, Label     string
	Identifier, Hint string
}

// identifierAsks label each kind's register number on the form and say
// what it looks like.
var identifierAsks = map[partner.Kind][2]string{
	partner.LocalAuthority: {"GSS code", "The council's code from the Office for National Statistics: a letter and 8 digits, such as E10000013."},
	partner.Voluntary:      {"Charity number or Companies House number (optional)", "Such as 1123456, SC012345 or NIC100001 for a charity, or 01234567 for a company."},
	partner.Company:        {"Companies House number", "8 digits, such as 01234567, or 2 letters and 6 digits, such as SC123456."},
	partner.University:     {"UKPRN (optional)", "The UK Provider Reference Number: 8 digits starting with 1, such as 10007786."},
}

func partnerKinds() []partnerKind {
	var out []partnerKind
	for _, k := range partner.Kinds() {
		ask := identifierAsks[k]
		out = append(out, partnerKind{Value: string(k), Label: k.Label(), Identifier: ask[0], Hint: ask[1]})
	}
	return out
}

// domainPartner is p as the domain reads it, which names its kind and its
// register number and adds up the shares.
func domainPartner(p apiclient.Partner) partner.Partner {
	return partner.Partner{ID: p.ID, Kind: partner.Kind(p.Kind), ODSCode: p.ODSCode, Name: p.Name, Identifier: p.Identifier,
		Role: p.Role, SharePence: p.SharePence, DeliveryPercent: p.DeliveryPercent, MatchPence: p.MatchPence}
}

// partnerRow is a partner as the pages show it. Code is its ODS code or
// register number, and CodeLabel says which.
type partnerRow struct {
	apiclient.Partner
	KindLabel, CodeLabel, Code string
}

func partnerRows(ps []apiclient.Partner) []partnerRow {
	out := make([]partnerRow, len(ps))
	for i, p := range ps {
		d := domainPartner(p)
		out[i] = partnerRow{Partner: p, KindLabel: d.Kind.Label(), CodeLabel: d.IdentifierLabel(), Code: cmp.Or(p.ODSCode, p.Identifier)}
	}
	return out
}

// partnersTotal is what the partners' shares of the funding and their
// match funding come to, beside what the bid requests.
type partnersTotal struct{ Share, Match, Requested int64 }

func partnerTotals(a *apiclient.Application) partnersTotal {
	ds := make([]partner.Partner, len(a.Partners))
	for i, p := range a.Partners {
		ds[i] = domainPartner(p)
	}
	share, match := partner.Totals(ds)
	return partnersTotal{Share: share, Match: match, Requested: a.RequestedPence}
}

// partnersPage is the list of partners with the form that adds one, or
// the form that changes one (Editing), or asks to confirm removing it.
type partnersPage struct {
	applicantApp
	Editing *partnerRow
	Kinds   []partnerKind
	// Values are the form's inputs: the partner as saved, or as typed when
	// it was refused.
	Values url.Values
}

func (s *server) partners(w http.ResponseWriter, r *http.Request) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPartners(w, r, http.StatusOK, "applicant/partners", p, -1, url.Values{}, nil)
}

func (s *server) partnerForm(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadPartner(w, r)
	if !ok {
		return
	}
	s.renderPartners(w, r, http.StatusOK, "applicant/partner", p, i, partnerValues(p.App.Partners[i]), nil)
}

func (s *server) removePartnerForm(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadPartner(w, r)
	if !ok {
		return
	}
	s.renderPartners(w, r, http.StatusOK, "applicant/partner-remove", p, i, nil, nil)
}

var partnerTitles = map[string]string{
	"applicant/partners":       "Partner organisations",
	"applicant/partner":        "Change a partner organisation",
	"applicant/partner-remove": "Remove a partner organisation",
}

// renderPartners shows one of the partners' pages, about the partner at
// index editing (-1 for none).
func (s *server) renderPartners(w http.ResponseWriter, r *http.Request, status int, page string, p applicantApp, editing int, vals url.Values, errs []fieldError) {
	d := partnersPage{applicantApp: p, Kinds: partnerKinds(), Values: vals}
	if editing >= 0 {
		d.Editing = &partnerRows(p.App.Partners[editing : editing+1])[0]
	}
	s.render(w, r, status, page, view{Title: partnerTitles[page], Errors: errs, Data: d})
}

// loadPartner reads the bid and finds the partner the path names,
// answering itself when there is no such partner.
func (s *server) loadPartner(w http.ResponseWriter, r *http.Request) (applicantApp, int, bool) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return p, -1, false
	}
	i := slices.IndexFunc(p.App.Partners, func(x apiclient.Partner) bool { return x.ID == mux.Vars(r)["partner_id"] })
	if i < 0 {
		s.renderError(w, r, http.StatusNotFound, "Page not found", "If you typed the web address, check it is correct.")
		return p, -1, false
	}
	return p, i, true
}

func (s *server) addPartner(w http.ResponseWriter, r *http.Request) {
	p, err := s.loadApplicantApp(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.savePartner(w, r, p, len(p.App.Partners))
}

func (s *server) changePartner(w http.ResponseWriter, r *http.Request) {
	if p, i, ok := s.loadPartner(w, r); ok {
		s.savePartner(w, r, p, i)
	}
}

// savePartner sends the list with the partner the form describes at
// index at: in place of the one there, or added after the last.
func (s *server) savePartner(w http.ResponseWriter, r *http.Request, p applicantApp, at int) {
	typed, errs := readPartner(r.PostForm)
	list := slices.Clone(p.App.Partners)
	page, editing, flash := "applicant/partner", at, "Partner changed"
	if at < len(list) {
		typed.ID = list[at].ID
		list[at] = typed
	} else {
		list = append(list, typed)
		page, editing, flash = "applicant/partners", -1, "Partner added"
	}
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		res, err := s.setPartners(r, p.App.ID, list)
		refusal, ok := refused(err)
		if !ok {
			// The name as the API keeps it: an NHS body's is the registry's.
			if err == nil && at < len(res.Application.Partners) {
				flash += ": " + res.Application.Partners[at].Name
			}
			s.done(w, r, err, flash, p.Path()+"/partners")
			return
		}
		status, errs = problemStatus(err), partnerErrors(refusal, list, at)
	}
	s.renderPartners(w, r, status, page, p, editing, r.PostForm, errs)
}

func (s *server) removePartner(w http.ResponseWriter, r *http.Request) {
	p, i, ok := s.loadPartner(w, r)
	if !ok {
		return
	}
	list := slices.Delete(slices.Clone(p.App.Partners), i, i+1)
	_, err := s.setPartners(r, p.App.ID, list)
	if errs, ok := refused(err); ok {
		s.renderPartners(w, r, problemStatus(err), "applicant/partner-remove", p, i, nil, partnerErrors(errs, list, -1))
		return
	}
	s.done(w, r, err, "Partner removed: "+p.App.Partners[i].Name, p.Path()+"/partners")
}

// setPartners is PUT /v1/applications/{id}/partners: the whole list.
func (s *server) setPartners(r *http.Request, id string, list []apiclient.Partner) (*apiclient.CommandResult, error) {
	if list == nil {
		list = []apiclient.Partner{}
	}
	res, err := s.api.SetPartnersWithResponse(r.Context(), id, nil, apiclient.SetPartnersJSONRequestBody{Partners: list}, keyed(r))
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// partnerValues are a saved partner as the form's inputs show it. The name
// and register number are asked inside each kind's choice, so their inputs
// are the kind's.
func partnerValues(p apiclient.Partner) url.Values {
	k := string(p.Kind)
	v := url.Values{"kind": {k}, "ods_code": {p.ODSCode}, k + ".name": {p.Name}, k + ".identifier": {p.Identifier}, "role": {p.Role},
		"share_pence": {pounds(p.SharePence)}, "match_pence": {pounds(p.MatchPence)}}
	if p.DeliveryPercent > 0 {
		v.Set("delivery_percent", strconv.Itoa(p.DeliveryPercent))
	}
	return v
}

var partnerFieldLabels = map[string]string{
	"kind": "Kind of organisation", "ods_code": "ODS code", "name": "Name", "role": "Role in the bid",
	"share_pence": "Share of the funding", "delivery_percent": "Share of the delivery", "match_pence": "Match funding",
}

// readPartner reads the form into a partner, with the errors of what the
// web itself must read: the kind, which says which inputs count, and the
// amounts.
func readPartner(vals url.Values) (apiclient.Partner, []fieldError) {
	kind := partner.Kind(vals.Get("kind"))
	p := apiclient.Partner{Kind: apiclient.PartnerKind(kind), Role: vals.Get("role")}
	var errs []fieldError
	switch {
	case kind == partner.NHSBody:
		p.ODSCode = vals.Get("ods_code")
	case slices.Contains(partner.Kinds(), kind):
		p.Name, p.Identifier = vals.Get(string(kind)+".name"), vals.Get(string(kind)+".identifier")
	default:
		errs = append(errs, fieldError{Field: "kind", Message: "Select the kind of organisation the partner is"})
	}
	for _, m := range []struct {
		field string
		to    *int64
	}{{"share_pence", &p.SharePence}, {"match_pence", &p.MatchPence}} {
		s := strings.TrimSpace(vals.Get(m.field))
		if s == "" {
			continue
		}
		n, err := parsePence(s)
		if err != nil {
			errs = append(errs, fieldError{Field: m.field, Message: partnerFieldLabels[m.field] + " must be an amount in pounds, like 80000 or 80000.50"})
			continue
		}
		*m.to = n
	}
	if s := strings.TrimSpace(vals.Get("delivery_percent")); s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(s, "%")))
		if err != nil {
			errs = append(errs, fieldError{Field: "delivery_percent", Message: "Share of the delivery must be a whole number of per cent, like 40"})
		}
		p.DeliveryPercent = n
	}
	return p, errs
}

var (
	partnerField = regexp.MustCompile(`^partners\[(\d+)\](?:\.(\w+))?$`)
)

// partnerErrors place the API's errors about list: those about the
// partner on the form (index at) beside its inputs, those about another
// partner under its name, and those about the totals on their own. The
// API's fields name partners by their place in the list (partners[1]),
// which people read as the partner's name.
func partnerErrors(errs []fieldError, list []apiclient.Partner, at int) []fieldError {
	name := func(i int) string {
		if i < 0 || i >= len(list) {
			return "partner " + strconv.Itoa(i+1)
		}
		return "partner " + strconv.Itoa(i+1) + " (" + cmp.Or(list[i].Name, list[i].ODSCode, list[i].Identifier) + ")"
	}
	out := make([]fieldError, 0, len(errs))
	for _, e := range errs {
		msg := e.Message
		m := partnerField.FindStringSubmatch(e.Field)
		if m == nil {
			out = append(out, fieldError{Message: capitalise(msg)})
			continue
		}
		i, _ := strconv.Atoi(m[1])
		label := partnerFieldLabels[m[2]]
		if m[2] == "identifier" && i < len(list) {
			label = domainPartner(list[i]).IdentifierLabel()
		}
		if i != at {
			out = append(out, fieldError{Message: capitalise(strings.TrimSpace(name(i) + ": " + lowerFirst(label) + " " + msg))})
			continue
		}
		var kind apiclient.PartnerKind
		if i < len(list) {
			kind = list[i].Kind
		}
		out = append(out, fieldError{Field: partnerInput(m[2], kind), Message: capitalise(strings.TrimSpace(label + " " + msg))})
	}
	return out
}

// partnerInput is the form's input for a partner's field, "" for none.
func partnerInput(field string, kind apiclient.PartnerKind) string {
	switch field {
	case "name", "identifier":
		if kind == "" || kind == apiclient.NhsBody {
			return ""
		}
		return string(kind) + "." + field
	case "":
		return "kind"
	}
	if _, ok := partnerFieldLabels[field]; ok {
		return field
	}
	return ""
}
