package partner_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/organisation"
	"github.com/fundflow/fundflow/internal/partner"
)

// The registry the tests judge against, small enough to read: a trust that
// was acquired, one that closed with no successor and one not yet open.
const registryCSV = `nation,org_type,code_ods,code_ons,name,short_name,nhs_region,population,valid_from,valid_to,successor_ods,verified,notes
England,ICB,QUY,,NHS Bristol ICB,BNSSG,South West,,2022-07-01,,,yes,
England,NHS_TRUST,RA7,,Bristol NHS Foundation Trust,Bristol,South West,,2020-04-01,,,yes,
England,NHS_TRUST,RVJ,,North Bristol NHS Trust,North Bristol,South West,,,2026-06-30,RA7,yes,
England,NHS_TRUST,RYY,,Closed NHS Trust,Closed,South West,,,2020-03-31,,yes,
England,NHS_TRUST,RZZ,,Future NHS Trust,Future,South West,,2027-04-01,,,yes,
Wales,WELSH_NHS_TRUST,RQF,,Velindre University NHS Trust,Velindre,,,,,,yes,
Scotland,SCOTTISH_HEALTH_BOARD,SG9,,NHS Greater Glasgow and Clyde,Greater Glasgow and Clyde,,,,,,partial,
`

func registry(t testing.TB) *organisation.Registry {
	t.Helper()
	r, err := organisation.Load(strings.NewReader(registryCSV))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func date(t testing.TB, s string) organisation.Date {
	t.Helper()
	d, err := organisation.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// problems is a refusal as field -> message, for tables to compare.
func problems(v fundflow.Invalid) map[string]string {
	m := map[string]string{}
	for _, fe := range v {
		if prev, ok := m[fe.Field]; ok {
			m[fe.Field] = prev + " | " + fe.Message
		} else {
			m[fe.Field] = fe.Message
		}
	}
	return m
}

func wantProblems(t *testing.T, v fundflow.Invalid, want map[string]string) {
	t.Helper()
	got := problems(v)
	for field, msg := range want {
		if !strings.Contains(got[field], msg) {
			t.Errorf("%s: %q, want it to say %q", field, got[field], msg)
		}
	}
	for field, msg := range got {
		if _, ok := want[field]; !ok {
			t.Errorf("unexpected problem with %s: %s", field, msg)
		}
	}
}

func named(kind partner.Kind, id string) partner.Partner {
	return partner.Partner{Kind: kind, Name: "Somebody", Identifier: id, Role: "Delivers the clinics"}
}

func TestNormalGood(t *testing.T) {
	r := registry(t)
	tests := []struct {
		name string
		in   partner.Partner
		on   string
		want partner.Partner
	}{
		{"an NHS trust takes the registry's spelling and name",
			partner.Partner{ID: "p1", Kind: " nhs_body ", ODSCode: " rvj ", Name: "NBT", Role: "  Hosts the service  ", SharePence: 1, DeliveryPercent: 100, MatchPence: 2},
			"2026-06-30",
			partner.Partner{ID: "p1", Kind: partner.NHSBody, ODSCode: "RVJ", Name: "North Bristol NHS Trust", Role: "Hosts the service", SharePence: 1, DeliveryPercent: 100, MatchPence: 2}},
		{"an ICB may be a partner", partner.Partner{Kind: partner.NHSBody, ODSCode: "QUY", Role: "Commissions"}, "2026-11-24",
			partner.Partner{Kind: partner.NHSBody, ODSCode: "QUY", Name: "NHS Bristol ICB", Role: "Commissions"}},
		{"a Welsh trust", partner.Partner{Kind: partner.NHSBody, ODSCode: "RQF", Role: "Screening"}, "2026-11-24",
			partner.Partner{Kind: partner.NHSBody, ODSCode: "RQF", Name: "Velindre University NHS Trust", Role: "Screening"}},
		{"a Scottish board", partner.Partner{Kind: partner.NHSBody, ODSCode: "sg9", Role: "Screening"}, "2026-11-24",
			partner.Partner{Kind: partner.NHSBody, ODSCode: "SG9", Name: "NHS Greater Glasgow and Clyde", Role: "Screening"}},
		{"a council's code in capitals, without the spaces typed",
			partner.Partner{Kind: partner.LocalAuthority, Name: " Bristol City Council ", Identifier: " e06 000 023 ", Role: "Public health"}, "2026-11-24",
			partner.Partner{Kind: partner.LocalAuthority, Name: "Bristol City Council", Identifier: "E06000023", Role: "Public health"}},
		{"a charity with no number", named(partner.Voluntary, ""), "2026-11-24", named(partner.Voluntary, "")},
		{"a university with no UKPRN", named(partner.University, ""), "2026-11-24", named(partner.University, "")},
		{"a name of 200 characters, not bytes", partner.Partner{Kind: partner.Company, Name: strings.Repeat("ŷ", 200), Identifier: "01234567", Role: "r"}, "2026-11-24",
			partner.Partner{Kind: partner.Company, Name: strings.Repeat("ŷ", 200), Identifier: "01234567", Role: "r"}},
		{"the largest amounts", partner.Partner{Kind: partner.Company, Name: "n", Identifier: "01234567", Role: "r", SharePence: partner.MaxPence, MatchPence: partner.MaxPence}, "2026-11-24",
			partner.Partner{Kind: partner.Company, Name: "n", Identifier: "01234567", Role: "r", SharePence: partner.MaxPence, MatchPence: partner.MaxPence}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, v := tt.in.Normal(r, date(t, tt.on))
			if len(v) != 0 {
				t.Fatalf("refused: %v", v)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestIdentifiers(t *testing.T) {
	r := registry(t)
	on := date(t, "2026-11-24")
	tests := []struct {
		kind partner.Kind
		id   string
		want string // "" when the identifier is good
	}{
		{partner.LocalAuthority, "E10000013", ""}, // Gloucestershire County Council
		{partner.LocalAuthority, "E06000023", ""}, // Bristol
		{partner.LocalAuthority, "E07000078", ""}, // a district
		{partner.LocalAuthority, "E08000025", ""}, // a metropolitan district
		{partner.LocalAuthority, "e09000033", ""}, // a London borough
		{partner.LocalAuthority, "W06000015", ""}, // Cardiff
		{partner.LocalAuthority, "S12000036", ""}, // Edinburgh
		{partner.LocalAuthority, "N09000003", ""}, // Belfast
		{partner.LocalAuthority, "", "is required for a local authority"},
		{partner.LocalAuthority, "E05000123", "E05000123 is not a council's GSS code; those start E06, E07, E08, E09, E10, W06, S12 or N09"}, // a ward
		{partner.LocalAuthority, "E54000039", "not a council's GSS code"},                                                                    // an ICB
		{partner.LocalAuthority, "W06000", "must be a council's GSS code"},
		{partner.LocalAuthority, "E060000230", "must be a council's GSS code"},
		{partner.LocalAuthority, "X06000023", "must be a council's GSS code"},
		{partner.LocalAuthority, "E06-000023", "must be a council's GSS code"},
		{partner.LocalAuthority, "S12000036 ", ""},

		{partner.Voluntary, "1123456", ""},   // England and Wales, 7 digits
		{partner.Voluntary, "212345", ""},    // England and Wales, 6 digits
		{partner.Voluntary, "1123456-1", ""}, // a linked charity
		{partner.Voluntary, "1123456-12", ""},
		{partner.Voluntary, "SC012345", ""},  // Scotland
		{partner.Voluntary, "sc 012345", ""}, // typed
		{partner.Voluntary, "NIC100001", ""}, // Northern Ireland
		{partner.Voluntary, "100001", ""},    // Northern Ireland, without its prefix
		{partner.Voluntary, "01234567", ""},  // a charitable company
		{partner.Voluntary, "CE012345", ""},  // a charitable incorporated organisation
		{partner.Voluntary, "12345", "must be a charity number"},
		{partner.Voluntary, "012345", "must be a charity number"},
		{partner.Voluntary, "2123456", "must be a charity number"},
		{partner.Voluntary, "1123456-0", "must be a charity number"},
		{partner.Voluntary, "1123456-", "must be a charity number"},
		{partner.Voluntary, "SC01234", "must be a charity number"},
		{partner.Voluntary, "NIC10000", "must be a charity number"},
		{partner.Voluntary, "NIC200001", "must be a charity number"},
		{partner.Voluntary, "XX123456", "must be a charity number"},

		{partner.Company, "01234567", ""},
		{partner.Company, "12345678", ""},
		{partner.Company, "SC123456", ""},
		{partner.Company, "sc123456", ""},
		{partner.Company, "NI123456", ""},
		{partner.Company, "OC301234", ""},
		{partner.Company, "SO301234", ""},
		{partner.Company, "NC001234", ""},
		{partner.Company, "R0000123", ""},
		{partner.Company, "IP012345", ""},
		{partner.Company, "RS007123", ""},
		{partner.Company, "LP012345", ""},
		{partner.Company, "FC012345", ""},
		{partner.Company, "", "is required for a company"},
		{partner.Company, "1234567", "must be a Companies House number"},
		{partner.Company, "123456789", "must be a Companies House number"},
		{partner.Company, "SC12345", "must be a Companies House number"},
		{partner.Company, "0123456A", "must be a Companies House number"},
		{partner.Company, "1C123456", "must be a Companies House number"},
		{partner.Company, "XX123456", "XX is not a prefix Companies House uses"},
		{partner.Company, "R1123456", "R1 is not a prefix Companies House uses"},

		{partner.University, "10007786", ""},
		{partner.University, "10000000", ""},
		{partner.University, "20007786", "must be a UKPRN"},
		{partner.University, "1000778", "must be a UKPRN"},
		{partner.University, "U10007786", "must be a UKPRN"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.id, func(t *testing.T) {
			got, v := named(tt.kind, tt.id).Normal(r, on)
			if tt.want == "" {
				wantProblems(t, v, nil)
				if got.Identifier != strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(tt.id), " ", "")) {
					t.Errorf("identifier kept as %q", got.Identifier)
				}
				return
			}
			wantProblems(t, v, map[string]string{"identifier": tt.want})
		})
	}
}

func TestNormalRefuses(t *testing.T) {
	r := registry(t)
	trust := func(code string) partner.Partner {
		return partner.Partner{Kind: partner.NHSBody, ODSCode: code, Role: "Hosts the service"}
	}
	tests := []struct {
		name string
		in   partner.Partner
		on   string
		want map[string]string
	}{
		{"an unknown kind", partner.Partner{Kind: "charity", Name: "n", Role: "r"}, "2026-11-24",
			map[string]string{"kind": "must be one of nhs_body, local_authority, voluntary, company, university"}},
		{"no kind", partner.Partner{Name: "n", Role: "r"}, "2026-11-24", map[string]string{"kind": "must be one of"}},
		{"an NHS body without a code", trust(" "), "2026-11-24", map[string]string{"ods_code": "is required for an NHS body"}},
		{"an unknown ODS code", trust("rxx"), "2026-11-24", map[string]string{"ods_code": `no organisation "RXX" in the registry`}},
		{"an acquired trust names its successor", trust("RVJ"), "2026-07-01",
			map[string]string{"ods_code": "North Bristol NHS Trust (RVJ) is not valid on 2026-07-01; its successor is Bristol NHS Foundation Trust (RA7)"}},
		{"a closed trust has no successor to name", trust("RYY"), "2026-11-24",
			map[string]string{"ods_code": "Closed NHS Trust (RYY) is not valid on 2026-11-24"}},
		{"a trust not yet open", trust("RZZ"), "2026-11-24", map[string]string{"ods_code": "Future NHS Trust (RZZ) is not valid until 2027-04-01"}},
		{"an NHS body has no register number", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Identifier: "01234567", Role: "r"}, "2026-11-24",
			map[string]string{"identifier": "known by its ODS code alone"}},
		{"only an NHS body has an ODS code", partner.Partner{Kind: partner.LocalAuthority, ODSCode: "RA7", Name: "n", Identifier: "E06000023", Role: "r"}, "2026-11-24",
			map[string]string{"ods_code": "only an NHS body"}},
		{"a name is required", partner.Partner{Kind: partner.Voluntary, Name: "  ", Role: "r"}, "2026-11-24", map[string]string{"name": "is required"}},
		{"a name too long", partner.Partner{Kind: partner.Voluntary, Name: strings.Repeat("a", 201), Role: "r"}, "2026-11-24",
			map[string]string{"name": "must be at most 200 characters"}},
		{"a role is required", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: " \t"}, "2026-11-24", map[string]string{"role": "is required"}},
		{"a role too long", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: strings.Repeat("ŵ", 201)}, "2026-11-24",
			map[string]string{"role": "must be at most 200 characters"}},
		{"negative money", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: "r", SharePence: -1, MatchPence: -100}, "2026-11-24",
			map[string]string{"share_pence": "must not be negative", "match_pence": "must not be negative"}},
		{"pounds typed as pence", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: "r", SharePence: partner.MaxPence + 1, MatchPence: 1 << 62}, "2026-11-24",
			map[string]string{"share_pence": "must be at most £1,000,000,000.00", "match_pence": "must be at most £1,000,000,000.00"}},
		{"more than the whole delivery", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: "r", DeliveryPercent: 101}, "2026-11-24",
			map[string]string{"delivery_percent": "must be between 0 and 100"}},
		{"a negative share of the delivery", partner.Partner{Kind: partner.NHSBody, ODSCode: "RA7", Role: "r", DeliveryPercent: -1}, "2026-11-24",
			map[string]string{"delivery_percent": "must be between 0 and 100"}},
		{"everything at once", partner.Partner{Kind: partner.Company, ODSCode: "x", Role: ""}, "2026-11-24",
			map[string]string{"ods_code": "only an NHS body", "name": "is required", "identifier": "is required", "role": "is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := tt.in.Normal(r, date(t, tt.on))
			wantProblems(t, v, tt.want)
		})
	}
}

// A refused NHS partner still carries the registry's name, so whatever
// shows the refusal can say which trust it was.
func TestRefusedTrustKeepsItsName(t *testing.T) {
	got, v := partner.Partner{Kind: partner.NHSBody, ODSCode: "rvj", Name: "typed", Role: "r"}.Normal(registry(t), date(t, "2026-11-24"))
	if len(v) != 1 || got.Name != "North Bristol NHS Trust" || got.ODSCode != "RVJ" {
		t.Errorf("got %+v, %v", got, v)
	}
}

func TestCheck(t *testing.T) {
	r := registry(t)
	on := date(t, "2026-11-24")
	nhs := func(code string, share int64, delivery int) partner.Partner {
		return partner.Partner{Kind: partner.NHSBody, ODSCode: code, Role: "Delivers", SharePence: share, DeliveryPercent: delivery}
	}
	council := func(gss string, share int64, delivery int) partner.Partner {
		return partner.Partner{Kind: partner.LocalAuthority, Name: "A council", Identifier: gss, Role: "Public health", SharePence: share, DeliveryPercent: delivery}
	}
	tests := []struct {
		name      string
		ps        []partner.Partner
		lead      string
		requested int64
		want      map[string]string
	}{
		{"none", nil, "QUY", 8_000_000, nil},
		{"shares exactly the request", []partner.Partner{nhs("RA7", 5_000_000, 60), council("E06000023", 3_000_000, 40)}, "QUY", 8_000_000, nil},
		{"shares over the request, in pounds", []partner.Partner{nhs("RA7", 5_000_000, 0), council("E06000023", 4_000_000, 0)}, "QUY", 8_000_000,
			map[string]string{"partners": "partners' shares come to £90,000.00, more than the £80,000.00 requested"}},
		{"no request yet", []partner.Partner{nhs("RA7", 5_000_000, 0), council("E06000023", 4_000_000, 0)}, "QUY", 0, nil},
		{"delivery over the whole", []partner.Partner{nhs("RA7", 0, 70), council("E06000023", 0, 31)}, "QUY", 0,
			map[string]string{"partners": "partners' shares of the delivery come to 101%, more than 100%"}},
		{"both totals over", []partner.Partner{nhs("RA7", 2, 70), council("E06000023", 2, 31)}, "QUY", 3,
			map[string]string{"partners": "shares come to £0.04, more than the £0.03 requested | partners' shares of the delivery come to 101%"}},
		{"the lead is not its own partner", []partner.Partner{nhs(" quy ", 0, 0)}, "QUY", 0,
			map[string]string{"partners[0].ods_code": "the lead organisation is not its own partner"}},
		{"the same trust twice, however spelt", []partner.Partner{nhs("RA7", 0, 0), council("E06000023", 0, 0), nhs("ra7 ", 0, 0)}, "QUY", 0,
			map[string]string{"partners[2].ods_code": "RA7 is already a partner (Bristol NHS Foundation Trust)"}},
		{"the same council twice", []partner.Partner{council("E06000023", 0, 0), council("e06000023", 0, 0)}, "QUY", 0,
			map[string]string{"partners[1].identifier": "GSS code E06000023 is already a partner"}},
		{"the same number under different kinds is not a repeat",
			[]partner.Partner{{Kind: partner.Voluntary, Name: "A trust", Identifier: "01234567", Role: "r"}, {Kind: partner.Company, Name: "A company", Identifier: "01234567", Role: "r"}},
			"QUY", 0, nil},
		{"two charities without numbers are not a repeat",
			[]partner.Partner{{Kind: partner.Voluntary, Name: "A", Role: "r"}, {Kind: partner.Voluntary, Name: "B", Role: "r"}}, "QUY", 0, nil},
		{"each partner's problems under its index", []partner.Partner{nhs("RA7", 0, 0), {Kind: partner.Company, Name: "n", Identifier: "XX123456"}}, "QUY", 0,
			map[string]string{"partners[1].identifier": "XX is not a prefix", "partners[1].role": "is required"}},
		{"an abolished trust", []partner.Partner{nhs("RVJ", 0, 0)}, "QUY", 0,
			map[string]string{"partners[0].ods_code": "its successor is Bristol NHS Foundation Trust (RA7)"}},
		{"totals wait for amounts in range", []partner.Partner{nhs("RA7", 1<<62, 0), council("E06000023", 1<<62, 0)}, "QUY", 8_000_000,
			map[string]string{"partners[0].share_pence": "must be at most", "partners[1].share_pence": "must be at most"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, v := partner.Check(tt.ps, tt.lead, tt.requested, r, on)
			wantProblems(t, v, tt.want)
		})
	}
}

func TestCheckNormalisesInOrder(t *testing.T) {
	ps := []partner.Partner{
		{ID: "p2", Kind: partner.NHSBody, ODSCode: "ra7", Role: " r "},
		{ID: "p5", Kind: partner.Voluntary, Name: " Age UK Bristol ", Identifier: "sc 012345", Role: "r"},
	}
	got, v := partner.Check(ps, "QUY", 0, registry(t), date(t, "2026-11-24"))
	want := []partner.Partner{
		{ID: "p2", Kind: partner.NHSBody, ODSCode: "RA7", Name: "Bristol NHS Foundation Trust", Role: "r"},
		{ID: "p5", Kind: partner.Voluntary, Name: "Age UK Bristol", Identifier: "SC012345", Role: "r"},
	}
	if len(v) != 0 || !slices.Equal(got, want) {
		t.Errorf("got %+v, %v", got, v)
	}
	if ps[0].ODSCode != "ra7" {
		t.Error("Check changed its argument")
	}
}

func TestMaxPartners(t *testing.T) {
	r := registry(t)
	on := date(t, "2026-11-24")
	var ps []partner.Partner
	for i := range partner.MaxPartners + 1 {
		ps = append(ps, partner.Partner{Kind: partner.Voluntary, Name: fmt.Sprint("Charity ", i), Identifier: fmt.Sprint(1100000 + i), Role: "r"})
	}
	if _, v := partner.Check(ps[:partner.MaxPartners], "QUY", 0, r, on); len(v) != 0 {
		t.Errorf("%d partners refused: %v", partner.MaxPartners, v)
	}
	_, v := partner.Check(ps, "QUY", 0, r, on)
	wantProblems(t, v, map[string]string{"partners": "at most 20 partners"})
}

func TestTotals(t *testing.T) {
	share, match := partner.Totals([]partner.Partner{
		{SharePence: 5_000_000, MatchPence: 100},
		{SharePence: 3_000_000},
		{MatchPence: 250_000_00},
	})
	if share != 8_000_000 || match != 25_000_100 {
		t.Errorf("Totals = %d, %d", share, match)
	}
	if share, match := partner.Totals(nil); share != 0 || match != 0 {
		t.Errorf("Totals(nil) = %d, %d", share, match)
	}
}

func TestLabels(t *testing.T) {
	want := []string{"NHS body", "Local authority", "Voluntary or community organisation", "Company", "University"}
	kinds := partner.Kinds()
	if !slices.Equal(kinds, []partner.Kind{partner.NHSBody, partner.LocalAuthority, partner.Voluntary, partner.Company, partner.University}) {
		t.Fatalf("Kinds() = %v", kinds)
	}
	for i, k := range kinds {
		if k.Label() != want[i] {
			t.Errorf("%s.Label() = %q, want %q", k, k.Label(), want[i])
		}
	}
	kinds[0] = "mutated"
	if partner.Kinds()[0] != partner.NHSBody {
		t.Error("Kinds exposes its backing slice")
	}
	if partner.Kind("other").Label() != "other" {
		t.Error("an unknown kind should read as itself")
	}

	for _, tt := range []struct {
		p    partner.Partner
		want string
	}{
		{partner.Partner{Kind: partner.NHSBody}, "ODS code"},
		{partner.Partner{Kind: partner.LocalAuthority}, "GSS code"},
		{partner.Partner{Kind: partner.Voluntary}, "Charity number"},
		{partner.Partner{Kind: partner.Voluntary, Identifier: "1123456"}, "Charity number"},
		{partner.Partner{Kind: partner.Voluntary, Identifier: "SC012345"}, "Charity number"},
		{partner.Partner{Kind: partner.Voluntary, Identifier: "01234567"}, "Companies House number"},
		{partner.Partner{Kind: partner.Voluntary, Identifier: "ce 012345"}, "Companies House number"},
		{partner.Partner{Kind: partner.Company}, "Companies House number"},
		{partner.Partner{Kind: partner.University}, "UKPRN"},
		{partner.Partner{Kind: "other"}, "Identifier"},
	} {
		if got := tt.p.IdentifierLabel(); got != tt.want {
			t.Errorf("%s %q: IdentifierLabel() = %q, want %q", tt.p.Kind, tt.p.Identifier, got, tt.want)
		}
	}
}

// The BNSSG bid the product describes, against the registry the binary
// embeds: after 1 July 2026 North Bristol is part of RA7, and a bid still
// naming it is told so.
func TestBristolPartnershipInTheEmbeddedRegistry(t *testing.T) {
	reg, err := organisation.Default()
	if err != nil {
		t.Fatal(err)
	}
	ps := []partner.Partner{
		{Kind: partner.NHSBody, ODSCode: "RA7", Role: "Acute pathway", SharePence: 3_000_000},
		{Kind: partner.NHSBody, ODSCode: "RVN", Role: "Mental health support", SharePence: 2_000_000},
		{Kind: partner.NHSBody, ODSCode: "RYF", Role: "Falls response"},
		{Kind: partner.LocalAuthority, Name: "Bristol City Council", Identifier: "E06000023", Role: "Public health", MatchPence: 500_000},
		{Kind: partner.LocalAuthority, Name: "South Gloucestershire Council", Identifier: "E06000025", Role: "Public health"},
	}
	got, v := partner.Check(ps, "QUY", 8_000_000, reg, date(t, "2026-11-24"))
	if len(v) != 0 {
		t.Fatalf("refused: %v", v)
	}
	if got[0].Name != "Bristol NHS Foundation Trust" || got[2].Name != "South Western Ambulance Service NHS Foundation Trust" {
		t.Errorf("names %q, %q", got[0].Name, got[2].Name)
	}

	_, v = partner.Check(append(ps, partner.Partner{Kind: partner.NHSBody, ODSCode: "RVJ", Role: "Surgery"}), "QUY", 8_000_000, reg, date(t, "2026-11-24"))
	wantProblems(t, v, map[string]string{"partners[5].ods_code": "North Bristol NHS Trust (RVJ) is not valid on 2026-11-24; its successor is Bristol NHS Foundation Trust (RA7)"})
	if _, v := partner.Check(ps[:1], "QUY", 0, reg, date(t, "2026-06-30")); len(v) != 0 {
		t.Errorf("UHBW refused before the merger: %v", v)
	}
}

// Normal is a fixed point: what it passes, it passes again unchanged, and
// it never fails on what people type.
func FuzzNormal(f *testing.F) {
	r := registry(f)
	on := date(f, "2026-11-24")
	for _, p := range []partner.Partner{
		{Kind: partner.NHSBody, ODSCode: " rvj", Name: "x", Role: "r"},
		{Kind: partner.NHSBody, ODSCode: "ra7", Role: "r", SharePence: 1, DeliveryPercent: 50},
		{Kind: partner.LocalAuthority, Name: " Bristol ", Identifier: "e06 000023", Role: "r"},
		{Kind: partner.Voluntary, Name: "n", Identifier: "1123456-1", Role: "r"},
		{Kind: partner.Company, Name: "n", Identifier: "sc123456", Role: "r", MatchPence: -1},
		{Kind: partner.University, Name: "n", Identifier: "10007786", Role: "r"},
		{Kind: "x", Name: "\u00a0", Role: "\t"},
	} {
		f.Add(string(p.Kind), p.ODSCode, p.Name, p.Identifier, p.Role, p.SharePence, p.DeliveryPercent, p.MatchPence)
	}
	f.Fuzz(func(t *testing.T, kind, ods, name, id, role string, share int64, delivery int, match int64) {
		in := partner.Partner{Kind: partner.Kind(kind), ODSCode: ods, Name: name, Identifier: id, Role: role, SharePence: share, DeliveryPercent: delivery, MatchPence: match}
		got, v := in.Normal(r, on)
		if len(v) != 0 {
			return
		}
		again, v := got.Normal(r, on)
		if len(v) != 0 || again != got {
			t.Fatalf("%+v normalised to %+v, then to %+v (%v)", in, got, again, v)
		}
		if got.Name == "" || got.Role == "" || got.SharePence < 0 || got.MatchPence < 0 {
			t.Fatalf("%+v passed as %+v", in, got)
		}
	})
}
