package organisation_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/organisation"
)

const header = "nation,org_type,code_ods,code_ons,name,short_name,nhs_region,population,valid_from,valid_to,successor_ods,verified,notes\n"

func date(t *testing.T, s string) organisation.Date {
	t.Helper()
	d, err := organisation.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func defaultRegistry(t *testing.T) *organisation.Registry {
	t.Helper()
	r, err := organisation.Default()
	if err != nil {
		t.Fatalf("embedded registry does not load: %v", err)
	}
	return r
}

func codes(orgs []organisation.Org) []string {
	out := make([]string, len(orgs))
	for i, o := range orgs {
		out[i] = o.Code
	}
	return out
}

func TestDefaultCounts(t *testing.T) {
	r := defaultRegistry(t)
	tests := []struct {
		typ  organisation.OrgType
		on   string
		want int
	}{
		{organisation.ICB, "2022-06-30", 0},
		{organisation.ICB, "2022-07-01", 42},
		{organisation.ICB, "2025-01-01", 42},
		{organisation.ICB, "2026-03-31", 42},
		{organisation.ICB, "2026-04-01", 36},
		{organisation.ICB, "2026-11-24", 36},
		{organisation.ScottishHealthBoard, "2026-11-24", 14},
		{organisation.ScottishHealthBoard, "1948-07-05", 14},
		{organisation.WelshLocalHealthBoard, "2026-11-24", 7},
		{organisation.NIHSCTrust, "2026-11-24", 5},
		{organisation.NHSTrust, "2020-03-31", 37},     // Weston still open, UHBW not yet formed
		{organisation.NHSTrust, "2026-06-30", 37},     // North Bristol's last day
		{organisation.NHSTrust, "2026-11-24", 36},     // acquired by RA7
		{organisation.WelshNHSTrust, "2009-09-30", 2}, // before Public Health Wales
		{organisation.WelshNHSTrust, "2026-11-24", 3},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+"@"+tt.on, func(t *testing.T) {
			d := date(t, tt.on)
			got := 0
			for _, o := range r.Search("", &d) {
				if o.Type == tt.typ {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("%d %s valid on %s, want %d", got, tt.typ, tt.on, tt.want)
			}
		})
	}
	if n := len(r.All()); n != 48+14+7+5+38+3 {
		t.Errorf("All() has %d rows, want 115", n)
	}
}

func TestValidOn(t *testing.T) {
	r := defaultRegistry(t)
	tests := []struct {
		code, on      string
		wantStatus    organisation.Status
		wantName      string // checked when non-empty
		wantSuccessor string // "" means Successor must be nil
	}{
		{"QUY", "2026-11-24", organisation.Valid, "NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board", ""},
		{"quy", "2026-11-24", organisation.Valid, "", ""},
		{" QUY ", "2026-11-24", organisation.Valid, "", ""},
		{"QHG", "2022-06-30", organisation.NotYetValid, "", ""},
		{"QHG", "2022-07-01", organisation.Valid, "", ""},
		{"QHG", "2026-03-31", organisation.Valid, "NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board", ""},
		{"QHG", "2026-04-01", organisation.Abolished, "", "S1Y5D"},
		{"QHG", "2026-11-24", organisation.Abolished, "", "S1Y5D"},
		{"qhg", "2030-01-01", organisation.Abolished, "", "S1Y5D"},
		{"S1Y5D", "2026-03-31", organisation.NotYetValid, "NHS Central East Integrated Care Board", ""},
		{"S1Y5D", "2026-04-01", organisation.Valid, "", ""},
		{"QNQ", "2026-04-01", organisation.Abolished, "NHS Frimley Integrated Care Board", "S0E4D"},
		{"QMJ", "2026-11-24", organisation.Abolished, "", "Z9B2Z"},
		{"QRL", "2026-11-24", organisation.Valid, "", ""},
		{"7A1", "2026-11-24", organisation.Valid, "Betsi Cadwaladr University Health Board", ""},
		{"7A1", "2009-09-30", organisation.NotYetValid, "", ""},
		{"7A3", "2019-03-31", organisation.NotYetValid, "", ""},
		{"7A7", "1990-01-01", organisation.Valid, "Powys Teaching Health Board", ""},
		{"SG9", "0001-01-01", organisation.Valid, "NHS Greater Glasgow and Clyde", ""},
		{"SG9", "9999-12-31", organisation.Valid, "", ""},
		{"NI-BELFAST", "2026-11-24", organisation.Valid, "Belfast Health and Social Care Trust", ""},
		{"ni-south-eastern", "2026-11-24", organisation.Valid, "South Eastern Health and Social Care Trust", ""},
		{"NI-WESTERN", "2007-03-31", organisation.NotYetValid, "", ""},
		{"RYF", "2026-11-24", organisation.Valid, "South Western Ambulance Service NHS Foundation Trust", ""},
		{"RVJ", "2026-06-30", organisation.Valid, "North Bristol NHS Trust", ""},
		{"rvj", "2026-07-01", organisation.Abolished, "", "RA7"},
		{"RA3", "2020-03-31", organisation.Valid, "Weston Area Health NHS Trust", ""},
		{"RA3", "2026-11-24", organisation.Abolished, "", "RA7"},
		{"RA7", "2020-03-31", organisation.NotYetValid, "", ""},
		{"RA7", "2026-11-24", organisation.Valid, "Bristol NHS Foundation Trust", ""},
		{"RQF", "2026-11-24", organisation.Valid, "Velindre University NHS Trust", ""},
		{"RYT", "2009-09-30", organisation.NotYetValid, "", ""},
		{"XXX", "2026-11-24", organisation.NotFound, "", ""},
		{"", "2026-11-24", organisation.NotFound, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code+"@"+tt.on, func(t *testing.T) {
			o, v := r.ValidOn(tt.code, date(t, tt.on))
			if v.Status != tt.wantStatus {
				t.Fatalf("status %v, want %v", v.Status, tt.wantStatus)
			}
			if tt.wantStatus != organisation.NotFound && !strings.EqualFold(o.Code, strings.TrimSpace(tt.code)) {
				t.Errorf("org code %q, want %q", o.Code, tt.code)
			}
			if tt.wantName != "" && o.Name != tt.wantName {
				t.Errorf("name %q, want %q", o.Name, tt.wantName)
			}
			switch {
			case tt.wantSuccessor == "" && v.Successor != nil:
				t.Errorf("successor %s, want none", v.Successor.Code)
			case tt.wantSuccessor != "" && v.Successor == nil:
				t.Errorf("no successor, want %s", tt.wantSuccessor)
			case tt.wantSuccessor != "" && v.Successor.Code != tt.wantSuccessor:
				t.Errorf("successor %s, want %s", v.Successor.Code, tt.wantSuccessor)
			}
		})
	}
}

func TestKnownOrgs(t *testing.T) {
	r := defaultRegistry(t)
	tests := []struct {
		code   string
		nation organisation.Nation
		typ    organisation.OrgType
		check  func(t *testing.T, o organisation.Org)
	}{
		{"QUY", organisation.England, organisation.ICB, func(t *testing.T, o organisation.Org) {
			if o.ONSCode != "E54000039" || o.Region != "South West" || o.Population != 993000 {
				t.Errorf("got %+v", o)
			}
			if o.ValidFrom != (organisation.Date{Year: 2022, Month: time.July, Day: 1}) || !o.ValidTo.IsZero() {
				t.Errorf("dates %v..%v", o.ValidFrom, o.ValidTo)
			}
		}},
		{"QHG", organisation.England, organisation.ICB, func(t *testing.T, o organisation.Org) {
			if o.ValidTo.String() != "2026-03-31" || o.Successor != "S1Y5D" {
				t.Errorf("valid_to %v successor %q", o.ValidTo, o.Successor)
			}
		}},
		{"S1Y5D", organisation.England, organisation.ICB, func(t *testing.T, o organisation.Org) {
			if o.Population != 0 {
				t.Errorf("blank population read as %d", o.Population)
			}
		}},
		{"7A1", organisation.Wales, organisation.WelshLocalHealthBoard, func(t *testing.T, o organisation.Org) {
			if o.ShortName != "Betsi Cadwaladr" || o.Region != "" {
				t.Errorf("got %+v", o)
			}
		}},
		{"SS9", organisation.Scotland, organisation.ScottishHealthBoard, func(t *testing.T, o organisation.Org) {
			if !o.ValidFrom.IsZero() || !o.ValidTo.IsZero() || o.Verified != "partial" {
				t.Errorf("got %+v", o)
			}
		}},
		{"RVN", organisation.England, organisation.NHSTrust, func(t *testing.T, o organisation.Org) {
			if o.Name != "Avon and Wiltshire Mental Health Partnership NHS Trust" || o.Region != "South West" ||
				o.ONSCode != "" || o.Population != 0 || o.Verified != "yes" {
				t.Errorf("got %+v", o)
			}
		}},
		{"RT4", organisation.Wales, organisation.WelshNHSTrust, func(t *testing.T, o organisation.Org) {
			if o.Name != "Welsh Ambulance Services University NHS Trust" || o.Region != "" {
				t.Errorf("got %+v", o)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			o, ok := r.Lookup(tt.code)
			if !ok {
				t.Fatal("not found")
			}
			if o.Nation != tt.nation || o.Type != tt.typ || o.SyntheticCode {
				t.Errorf("nation %q type %q synthetic %v", o.Nation, o.Type, o.SyntheticCode)
			}
			tt.check(t, o)
		})
	}
}

// Trusts are in the register to be named as partners; a list of who might
// apply, such as dev mode's applicant tokens, is the same with them as
// without.
func TestApplicantTypes(t *testing.T) {
	for typ, want := range map[organisation.OrgType]bool{
		organisation.ICB: true, organisation.ScottishHealthBoard: true,
		organisation.WelshLocalHealthBoard: true, organisation.NIHSCTrust: true,
		organisation.NHSTrust: false, organisation.WelshNHSTrust: false, "CCG": false,
	} {
		if typ.Applicant() != want {
			t.Errorf("%s.Applicant() = %v", typ, !want)
		}
	}

	r := defaultRegistry(t)
	on := date(t, "2026-11-24")
	applicants := r.CodesValidOn(on, organisation.ApplicantTypes...)
	if len(applicants) != 36+14+7+5 {
		t.Errorf("%d applicant codes valid on %s, want 62", len(applicants), on)
	}
	for _, code := range applicants {
		if o, _ := r.Lookup(code); !o.Type.Applicant() {
			t.Errorf("%s (%s) listed as an applicant", code, o.Type)
		}
	}
	all := r.CodesValidOn(on)
	if len(all) != len(applicants)+36+3 {
		t.Errorf("%d codes valid on %s, want the 62 applicants and 39 trusts", len(all), on)
	}
	if got := r.CodesValidOn(on, organisation.WelshNHSTrust); !slices.Equal(got, []string{"RYT", "RQF", "RT4"}) {
		t.Errorf("Welsh NHS trusts = %v", got)
	}
}

// Partnership bids name trusts by ODS code, so each row says where its
// code and name were checked, as every ICB row does.
func TestTrustRowsNameTheirSources(t *testing.T) {
	for _, o := range defaultRegistry(t).All() {
		if o.Type.Applicant() {
			continue
		}
		if o.Verified != "yes" || !strings.Contains(o.Notes, "src:") || o.ShortName == "" {
			t.Errorf("%s (%s): verified %q, short name %q, notes %q", o.Code, o.Name, o.Verified, o.ShortName, o.Notes)
		}
	}
}

func TestNISyntheticCodes(t *testing.T) {
	r := defaultRegistry(t)
	want := map[string]string{
		"NI-BELFAST":       "Belfast Health and Social Care Trust",
		"NI-NORTHERN":      "Northern Health and Social Care Trust",
		"NI-SOUTH-EASTERN": "South Eastern Health and Social Care Trust",
		"NI-SOUTHERN":      "Southern Health and Social Care Trust",
		"NI-WESTERN":       "Western Health and Social Care Trust",
	}
	for code, name := range want {
		o, ok := r.Lookup(code)
		if !ok {
			t.Errorf("%s not found", code)
			continue
		}
		if o.Name != name || !o.SyntheticCode || o.Nation != organisation.NorthernIreland || o.Type != organisation.NIHSCTrust {
			t.Errorf("%s: got %+v", code, o)
		}
	}
	var synthetic []string
	for _, o := range r.All() {
		if o.SyntheticCode {
			synthetic = append(synthetic, o.Code)
		}
	}
	if len(synthetic) != len(want) {
		t.Errorf("synthetic codes %v, want only the %d NI trusts", synthetic, len(want))
	}
}

func TestSyntheticCodeOnlyWhenBlank(t *testing.T) {
	r, err := organisation.Load(strings.NewReader(header +
		"Northern Ireland,NI_HSC_TRUST,ZT001,,Belfast Health and Social Care Trust,Belfast HSCT,,,,,,yes,\n" +
		"Northern Ireland,NI_HSC_TRUST,,,Some Trust,\"Mid-Ulster & Lakes\",,,,,,yes,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := r.Lookup("ZT001"); !ok || o.SyntheticCode {
		t.Errorf("an ODS code in the file must be used as is: %+v", o)
	}
	if _, ok := r.Lookup("NI-MID-ULSTER-LAKES"); !ok {
		t.Errorf("punctuation in a short name should collapse to hyphens; have %v", codes(r.All()))
	}
}

func TestSuccessorChains(t *testing.T) {
	r, err := organisation.Load(strings.NewReader(header +
		"England,ICB,AAA,,A,A,,,2020-01-01,2021-12-31,BBB,yes,\n" +
		"England,ICB,BBB,,B,B,,,2022-01-01,2023-12-31,ccc,yes,\n" + // successor spelt in lower case
		"England,ICB,CCC,,C,C,,,2024-01-01,,,yes,\n" +
		"England,ICB,DDD,,D,D,,,2020-01-01,2021-12-31,EEE,yes,\n" +
		"England,ICB,EEE,,E,E,,,2022-06-01,2022-12-31,,yes,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := r.Lookup("BBB"); b.Successor != "CCC" {
		t.Errorf("successor not canonicalised: %q", b.Successor)
	}
	tests := []struct {
		code, on, want string
	}{
		{"AAA", "2022-06-01", "BBB"},
		{"AAA", "2025-01-01", "CCC"}, // B abolished too: follow the chain
		{"BBB", "2025-01-01", "CCC"},
		{"DDD", "2022-01-01", ""}, // successor not yet valid (gap in the data)
		{"DDD", "2022-07-01", "EEE"},
		{"DDD", "2023-01-01", ""}, // chain ends with nothing valid
	}
	for _, tt := range tests {
		t.Run(tt.code+"@"+tt.on, func(t *testing.T) {
			_, v := r.ValidOn(tt.code, date(t, tt.on))
			if v.Status != organisation.Abolished {
				t.Fatalf("status %v", v.Status)
			}
			got := ""
			if v.Successor != nil {
				got = v.Successor.Code
			}
			if got != tt.want {
				t.Errorf("successor %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	const ok = "England,ICB,QAA,,NHS A ICB,A,,1,2022-07-01,,,yes,\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "empty input"},
		{"wrong header", strings.Replace(header, "code_ods", "ods", 1) + ok, "line 1: header"},
		{"short header", "nation,org_type\n", "line 1: header"},
		{"no rows", header, "no organisations"},
		{"field count", header + ok + "England,ICB,QBB\n", "line 3: wrong number of fields"},
		{"bare quote", header + ok + ok[:10] + "x\"y" + ok[10:], "line 3:"},
		{"blank nation", header + ",ICB,QBB,,B,B,,,,,,yes,\n", "line 2: nation is blank"},
		{"blank type", header + ok + "England,,QBB,,B,B,,,,,,yes,\n", "line 3: org_type is blank"},
		{"blank name", header + "England,ICB,QBB,,,B,,,,,,yes,\n", "line 2: name is blank"},
		{"unknown nation", header + "Cornwall,ICB,QBB,,B,B,,,,,,yes,\n", `line 2: unknown nation "Cornwall"`},
		{"unknown type", header + "England,CCG,QBB,,B,B,,,,,,yes,\n", `line 2: unknown org_type "CCG"`},
		{"type in wrong nation", header + "Wales,ICB,QBB,,B,B,,,,,,yes,\n", "line 2: org_type ICB belongs to England, not Wales"},
		{"English trust in Wales", header + "Wales,NHS_TRUST,RBB,,B,B,,,,,,yes,\n", "line 2: org_type NHS_TRUST belongs to England, not Wales"},
		{"Welsh trust in England", header + "England,WELSH_NHS_TRUST,RBB,,B,B,,,,,,yes,\n", "line 2: org_type WELSH_NHS_TRUST belongs to Wales, not England"},
		{"trust without a code", header + ok + "England,NHS_TRUST,,,B,B,,,,,,yes,\n", "line 3: code_ods is blank"},
		{"bad valid_from", header + "England,ICB,QBB,,B,B,,,01/07/2022,,,yes,\n", "line 2: valid_from"},
		{"impossible date", header + "England,ICB,QBB,,B,B,,,2022-07-01,2026-02-30,,yes,\n", "line 2: valid_to"},
		{"to before from", header + "England,ICB,QBB,,B,B,,,2022-07-01,2022-06-30,,yes,\n", "line 2: valid_to 2022-06-30 is before valid_from 2022-07-01"},
		{"population", header + "England,ICB,QBB,,B,B,,1.5m,,,,yes,\n", `line 2: population "1.5m"`},
		{"negative population", header + "England,ICB,QBB,,B,B,,-1,,,,yes,\n", "line 2: population"},
		{"blank code", header + ok + "England,ICB,,,B,B,,,,,,yes,\n", "line 3: code_ods is blank"},
		{"NI without short name", header + "Northern Ireland,NI_HSC_TRUST,,,Trust,HSCT,,,,,,yes,\n", "line 2: code_ods is blank and short_name"},
		{"duplicate code", header + ok + "England,ICB,qaa,,B,B,,,,,,yes,\n", "line 3: code qaa already used on line 2"},
		{"duplicate synthetic code", header +
			"Northern Ireland,NI_HSC_TRUST,,,Trust 1,Belfast HSCT,,,,,,yes,\n" +
			"Northern Ireland,NI_HSC_TRUST,,,Trust 2,Belfast,,,,,,yes,\n", "line 3: code NI-BELFAST already used on line 2"},
		{"unknown successor", header + ok + "England,ICB,QBB,,B,B,,,2022-07-01,2026-03-31,QZZ,yes,\n", "line 3: successor_ods QZZ is not in the registry"},
		{"successor without end", header + ok + "England,ICB,QBB,,B,B,,,2022-07-01,,QAA,yes,\n", "line 3: successor_ods QAA is set but valid_to is blank"},
		{"own successor", header + ok + "England,ICB,QBB,,B,B,,,,2026-03-31,QBB,yes,\n", "line 3: successor_ods of QBB leads back to QBB"},
		{"cycle", header +
			"England,ICB,QBB,,B,B,,,,2026-03-31,QCC,yes,\n" +
			"England,ICB,QCC,,C,C,,,,2026-03-31,QBB,yes,\n", "line 2: successor_ods of QBB leads back to QBB"},
		{"multi-line quoted field keeps line numbers", header +
			"England,ICB,QBB,,B,B,,,,,,yes,\"two\nlines\"\n" +
			"England,ICB,QCC,,,C,,,,,,yes,\n", "line 4: name is blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := organisation.Load(strings.NewReader(tt.csv))
			if err == nil {
				t.Fatalf("loaded %d orgs, want error containing %q", len(r.All()), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadAcceptsBOMAndPadding(t *testing.T) {
	r, err := organisation.Load(strings.NewReader("\ufeff" + header +
		"England , ICB ,QAA ,,NHS A ICB,A,, 12 , 2022-07-01 ,,,yes,\n"))
	if err != nil {
		t.Fatal(err)
	}
	o, ok := r.Lookup("QAA")
	if !ok || o.Population != 12 || o.Nation != organisation.England || o.ValidFrom.String() != "2022-07-01" {
		t.Errorf("got %+v", o)
	}
}

func TestSearch(t *testing.T) {
	r := defaultRegistry(t)
	tests := []struct {
		name, q, on string // on == "" means no date filter
		want        []string
	}{
		{"substring of names in nation then name order", "south", "",
			[]string{"QUY", "QE1", "QH8", "QKK", "QWE", "QF7", "RV5", "RYF", "RHM", "NI-SOUTH-EASTERN", "NI-SOUTHERN"}},
		{"case-insensitive", "SOUTH", "",
			[]string{"QUY", "QE1", "QH8", "QKK", "QWE", "QF7", "RV5", "RYF", "RHM", "NI-SOUTH-EASTERN", "NI-SOUTHERN"}},
		{"trusts and ICBs together by name", "bristol", "2026-11-24", []string{"RA7", "QUY"}},
		{"an acquired trust on its last day", "bristol", "2026-06-30", []string{"RA7", "QUY", "RVJ"}},
		{"date filter drops abolished", "essex", "2026-11-24", []string{"D7T5G"}},
		{"date filter drops not yet valid", "essex", "2026-03-31", []string{"QM7", "QH8", "QJG"}},
		{"no filter keeps both", "essex", "", []string{"D7T5G", "QM7", "QH8", "QJG"}},
		{"by code", "qu", "",
			[]string{"QUA", "QUY", "QU9", "QUE"}},
		{"by synthetic code", "ni-", "",
			[]string{"NI-BELFAST", "NI-NORTHERN", "NI-SOUTH-EASTERN", "NI-SOUTHERN", "NI-WESTERN"}},
		{"by short name across nations", "Highland", "", []string{"SH9"}},
		{"welsh", "7a", "2018-01-01", []string{"7A6", "7A1", "7A4", "7A2", "7A7"}},
		{"no match", "zzz", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var on *organisation.Date
			if tt.on != "" {
				d := date(t, tt.on)
				on = &d
			}
			if got := codes(r.Search(tt.q, on)); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%q, %s) = %v, want %v", tt.q, tt.on, got, tt.want)
			}
		})
	}
}

func TestListingOrder(t *testing.T) {
	r := defaultRegistry(t)
	all := r.All()
	if got := codes(r.Search("", nil)); !slices.Equal(got, codes(all)) {
		t.Error("Search with no query and no date differs from All")
	}
	nations := []organisation.Nation{organisation.England, organisation.Scotland, organisation.Wales, organisation.NorthernIreland}
	rank := func(n organisation.Nation) int { return slices.Index(nations, n) }
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if rank(a.Nation) > rank(b.Nation) || (a.Nation == b.Nation && a.Name > b.Name) {
			t.Errorf("%s (%s) listed before %s (%s)", a.Code, a.Name, b.Code, b.Name)
		}
	}
	all[0].Name = "mutated"
	if r.All()[0].Name == "mutated" {
		t.Error("All exposes the registry's backing slice")
	}
}

func TestOrgValidOn(t *testing.T) {
	d := func(s string) organisation.Date { return date(t, s) }
	tests := []struct {
		name     string
		from, to string
		on       string
		want     bool
	}{
		{"open both ends", "", "", "1066-10-14", true},
		{"on first day", "2022-07-01", "", "2022-07-01", true},
		{"day before first", "2022-07-01", "", "2022-06-30", false},
		{"on last day", "", "2026-03-31", "2026-03-31", true},
		{"day after last", "", "2026-03-31", "2026-04-01", false},
		{"single-day org", "2026-04-01", "2026-04-01", "2026-04-01", true},
		{"across a year end", "2025-12-31", "2026-01-01", "2026-01-01", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o organisation.Org
			if tt.from != "" {
				o.ValidFrom = d(tt.from)
			}
			if tt.to != "" {
				o.ValidTo = d(tt.to)
			}
			if got := o.ValidOn(d(tt.on)); got != tt.want {
				t.Errorf("ValidOn(%s) = %v for %s..%s", tt.on, got, tt.from, tt.to)
			}
		})
	}
}

func TestDate(t *testing.T) {
	for _, s := range []string{"2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "2026-01-01T00:00:00Z", ""} {
		if _, err := organisation.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	a, b := date(t, "2026-03-31"), date(t, "2026-04-01")
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare is wrong across a month end")
	}
	if date(t, "2025-12-31").Compare(date(t, "2026-01-01")) != -1 {
		t.Error("Compare is wrong across a year end")
	}
	if a.String() != "2026-03-31" || (organisation.Date{}).String() != "" {
		t.Errorf("String: %q %q", a, organisation.Date{})
	}

	tests := []struct {
		instant, want string
	}{
		{"2026-03-31T22:59:59Z", "2026-03-31"},
		{"2026-03-31T23:00:00Z", "2026-04-01"}, // midnight BST: QHG is already abolished
		{"2026-01-15T23:30:00Z", "2026-01-15"}, // GMT: London and UTC agree
		{"2026-04-01T01:00:00+02:00", "2026-04-01"},
	}
	for _, tt := range tests {
		ts, err := time.Parse(time.RFC3339, tt.instant)
		if err != nil {
			t.Fatal(err)
		}
		if got := organisation.DateOf(ts).String(); got != tt.want {
			t.Errorf("DateOf(%s) = %s, want %s", tt.instant, got, tt.want)
		}
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[organisation.Status]string{
		organisation.NotFound: "not_found", organisation.Valid: "valid",
		organisation.NotYetValid: "not_yet_valid", organisation.Abolished: "abolished",
		organisation.Status(99): "Status(99)",
	} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", int(s), s.String(), want)
		}
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	regs := make([]*organisation.Registry, 8)
	for i := range regs {
		wg.Go(func() {
			r, err := organisation.Default()
			if err != nil {
				t.Error(err)
				return
			}
			r.Search("london", nil)
			regs[i] = r
		})
	}
	wg.Wait()
	for _, r := range regs[1:] {
		if r != regs[0] {
			t.Fatal("Default parsed the embedded data more than once")
		}
	}
}
