package directory

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/organisation"
)

var (
	certAt = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	admin  = fundflow.Actor{ID: "admin", Name: "Ada Admin", Role: fundflow.RoleAdmin}
)

func day(s string) organisation.Date {
	d, err := organisation.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// certState is QUY's finance officer and SRO, a QUY colleague, someone of
// 7A1's and a reviewer.
func certState(t *testing.T) (*State, map[string]string) {
	t.Helper()
	st := &State{}
	ids := map[string]string{}
	for _, p := range []struct{ key, email, name, org string }{
		{"cfo", "helen.barker@quy.nhs.uk", "Helen Barker", "QUY"},
		{"sro", "tom.reid@quy.nhs.uk", "Tom Reid", "QUY"},
		{"deputy", "priya.nair@quy.nhs.uk", "Priya Nair", "QUY"},
		{"welsh", "gareth.pritchard@7a1.nhs.uk", "Gareth Pritchard", "7A1"},
		{"reviewer", "rhian@nhs.net", "Rhian Reviewer", ""},
	} {
		role := fundflow.RoleApplicant
		if p.org == "" {
			role = fundflow.RoleReviewer
		}
		u, err := st.InviteUser(Invite{Email: p.email, Name: p.name, OrgCode: p.org, Roles: []fundflow.Role{role}}, admin, certAt)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.key] = u.ID
	}
	return st, ids
}

func TestSetCertifiersReplacesTheList(t *testing.T) {
	st, id := certState(t)
	welsh := []Certifier{{UserID: id["welsh"], Capacity: CapacityChiefFinanceOfficer, From: day("2026-04-01")}}
	if _, err := st.SetCertifiers("7A1", welsh, "", admin, certAt); err != nil {
		t.Fatal(err)
	}
	rev := st.Rev
	quy := []Certifier{
		{UserID: id["cfo"], Capacity: CapacityChiefFinanceOfficer, From: day("2026-04-01")},
		{UserID: id["deputy"], Capacity: CapacityDeputy, From: day("2026-12-01"), To: day("2026-12-31")},
	}
	got, err := st.SetCertifiers("QUY", quy, "new financial year", admin, certAt)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].OrgCode != "QUY" || got[1].OrgCode != "QUY" || st.Rev != rev+1 {
		t.Fatalf("kept %+v at rev %d", got, st.Rev)
	}
	e := st.Audit[len(st.Audit)-1]
	want := "certifiers of QUY: Helen Barker (Chief finance officer, from 1 April 2026); Priya Nair (Deputy, from 1 December 2026 to 31 December 2026)"
	if e.Action != ActionCertifiersChanged || e.Subject != "QUY" || e.Detail != want || e.Reason != "new financial year" {
		t.Fatalf("audit %+v", e)
	}

	// Replacing QUY's list leaves 7A1's alone.
	if _, err := st.SetCertifiers("QUY", []Certifier{{UserID: id["sro"], Capacity: CapacitySRO, From: day("2026-04-01")}}, "", admin, certAt); err != nil {
		t.Fatal(err)
	}
	if l := st.CertifiersOf("QUY"); len(l) != 1 || l[0].UserID != id["sro"] {
		t.Fatalf("QUY now %+v", l)
	}
	if l := st.CertifiersOf("7A1"); len(l) != 1 || l[0].UserID != id["welsh"] {
		t.Fatalf("7A1 now %+v", l)
	}
	if _, err := st.SetCertifiers("QUY", nil, "", admin, certAt); err != nil {
		t.Fatal(err)
	}
	if l := st.CertifiersOf("QUY"); l == nil || len(l) != 0 {
		t.Fatalf("an emptied list is %#v", l)
	}
	if e := st.Audit[len(st.Audit)-1]; e.Detail != "certifiers of QUY: none" {
		t.Fatalf("audit %+v", e)
	}
}

func TestCheckSetCertifiersNamesEachField(t *testing.T) {
	st, id := certState(t)
	if _, err := st.SetActive(id["sro"], false, "left", admin, certAt); err != nil {
		t.Fatal(err)
	}
	before := st.Rev
	cs := []Certifier{
		{UserID: "usr_nobody", Capacity: CapacitySRO, From: day("2026-04-01")},
		{UserID: id["welsh"], Capacity: CapacitySRO, From: day("2026-04-01")},
		{UserID: id["reviewer"], Capacity: CapacitySRO, From: day("2026-04-01")},
		{UserID: id["sro"], Capacity: CapacitySRO, From: day("2026-04-01")},
		{UserID: id["deputy"], Capacity: CapacityDeputy, From: day("2026-04-01")},
		{UserID: id["cfo"], Capacity: CapacityChiefFinanceOfficer, From: day("2026-04-01"), To: day("2026-03-31")},
		{UserID: id["cfo"], Capacity: "treasurer"},
		{UserID: id["cfo"], Capacity: CapacityChiefFinanceOfficer, From: day("2026-04-01"), To: day("2027-03-31")},
		{UserID: id["cfo"], Capacity: CapacityDeputy, From: day("2027-03-01"), To: day("2027-04-30")},
		{UserID: id["cfo"], Capacity: CapacityDeputy, From: day("2027-05-01"), To: day("2027-05-31"), OrgCode: "7A1"},
	}
	_, err := st.SetCertifiers("QUY", cs, "", admin, certAt)
	e, ok := err.(*fundflow.Error)
	if !ok || e.Code != fundflow.EVALIDATION {
		t.Fatalf("refusal %v", err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Message
	}
	for field, want := range map[string]string{
		"certifiers[0].user_id":  `no user "usr_nobody"`,
		"certifiers[1].user_id":  "Gareth Pritchard is not an applicant of QUY",
		"certifiers[2].user_id":  "Rhian Reviewer is not an applicant of QUY",
		"certifiers[3].user_id":  "Tom Reid is deactivated",
		"certifiers[4].to":       "a deputy's delegation needs an end date",
		"certifiers[5].to":       "must be on or after the from date, 2026-04-01",
		"certifiers[6].capacity": "must be one of",
		"certifiers[6].from":     "is required",
		"certifiers[8].from":     "Helen Barker is already named above for some of these dates",
		"certifiers[9].org_code": "must be QUY",
	} {
		if !strings.Contains(got[field], want) {
			t.Errorf("%s: %q, want %q", field, got[field], want)
		}
	}
	if len(e.Fields) != 10 {
		t.Errorf("%d field errors: %+v", len(e.Fields), e.Fields)
	}
	if st.Rev != before || len(st.Certifiers) != 0 {
		t.Fatal("a refused list changed the directory")
	}
	many := make([]Certifier, MaxCertifiers+1)
	for i := range many {
		from := organisation.Date{Year: 2026, Month: time.January, Day: i + 1}
		many[i] = Certifier{UserID: id["cfo"], Capacity: CapacityDeputy, From: from, To: from}
	}
	if err := st.CheckSetCertifiers("QUY", many, ""); err == nil || err.(*fundflow.Error).Fields[0].Field != "certifiers" {
		t.Fatalf("too many: %v", err)
	}
}

func TestCertifiersOnADay(t *testing.T) {
	st, id := certState(t)
	cs := []Certifier{
		{UserID: id["cfo"], Capacity: CapacityChiefFinanceOfficer, From: day("2026-04-01"), To: day("2027-03-31")},
		{UserID: id["deputy"], Capacity: CapacityDeputy, From: day("2026-12-01"), To: day("2026-12-31")},
		{UserID: id["sro"], Capacity: CapacitySRO, From: day("2026-12-15")},
	}
	if _, err := st.SetCertifiers("QUY", cs, "", admin, certAt); err != nil {
		t.Fatal(err)
	}
	names := func(on string) string {
		var out []string
		for _, u := range st.CertifiersOn("QUY", day(on)) {
			out = append(out, u.Name)
		}
		return strings.Join(out, ", ")
	}
	for on, want := range map[string]string{
		"2026-03-31": "",
		"2026-04-01": "Helen Barker",
		"2026-12-01": "Helen Barker, Priya Nair",
		"2026-12-31": "Helen Barker, Priya Nair, Tom Reid",
		"2027-01-01": "Helen Barker, Tom Reid",
		"2027-04-01": "Tom Reid",
		"2040-01-01": "Tom Reid",
	} {
		if got := names(on); got != want {
			t.Errorf("%s: %q, want %q", on, got, want)
		}
	}
	if !st.IsCertifier(id["deputy"], "QUY", day("2026-12-31")) || st.IsCertifier(id["deputy"], "QUY", day("2027-01-01")) ||
		st.IsCertifier(id["deputy"], "7A1", day("2026-12-31")) {
		t.Error("IsCertifier disagrees with the deputy's dates")
	}
	if len(st.CertifiersOn("7A1", day("2026-12-31"))) != 0 {
		t.Error("7A1 has QUY's certifiers")
	}

	// Deactivation, or moving to another organisation, ends certifying
	// without the list changing.
	if _, err := st.SetActive(id["sro"], false, "left", admin, certAt); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetRoles(id["deputy"], []fundflow.Role{fundflow.RoleApplicant}, "7A1", "moved", admin, certAt); err != nil {
		t.Fatal(err)
	}
	if got := names("2026-12-31"); got != "Helen Barker" {
		t.Errorf("after the SRO left and the deputy moved: %q", got)
	}
	if len(st.CertifiersOf("QUY")) != 3 {
		t.Error("the list itself changed")
	}
}

// A directory carried across Continue-As-New before certifiers existed
// decodes with none, and a certifier's open end is left out.
func TestCertifiersJSON(t *testing.T) {
	var old State
	if err := json.Unmarshal([]byte(`{"rev":3,"users":[],"tokens":[],"pools":[],"audit":[]}`), &old); err != nil || old.Certifiers != nil {
		t.Fatalf("%+v %v", old, err)
	}
	b, err := json.Marshal(State{Users: []User{}, Tokens: []Token{}, Pools: []Pool{}, Audit: []Entry{}})
	if err != nil || strings.Contains(string(b), "certifiers") {
		t.Fatalf("an empty directory says %s", b)
	}
	c := Certifier{OrgCode: "QUY", UserID: "usr_1", Capacity: CapacitySRO, From: day("2026-04-01")}
	b, _ = json.Marshal(c)
	if strings.Contains(string(b), `"to"`) {
		t.Fatalf("an open end is written: %s", b)
	}
	var back Certifier
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip %+v %v", back, err)
	}
}

func TestCapacityLabels(t *testing.T) {
	for _, c := range Capacities {
		if !c.Valid() || c.Label() == string(c) {
			t.Errorf("%s has no label", c)
		}
	}
	if Capacity("treasurer").Valid() {
		t.Error("an unknown capacity is valid")
	}
}
