package application

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/organisation"
)

// eligibilityInput looks code up in the real registry on the UK date of
// submitted, as the workflow's activity would.
func eligibilityInput(t *testing.T, code string, submitted time.Time) EligibilityInput {
	t.Helper()
	c := complete()
	c.OrgCode = code
	o, v := reg(t).ValidOn(code, organisation.DateOf(submitted))
	return EligibilityInput{Content: c, Fund: seed(), Org: o, Validity: v, SubmittedAt: submitted}
}

func results(rs []RuleResult) map[string]RuleResult {
	m := map[string]RuleResult{}
	for _, r := range rs {
		m[r.Rule] = r
	}
	return m
}

func TestEligibilityRulesRunInOrder(t *testing.T) {
	in := eligibilityInput(t, "QHL", at(t, "2026-05-01T11:00:00Z"))
	in.Content.PopulationCovered = 1_375_000
	var rules []string
	for _, r := range CheckEligibility(in) {
		rules = append(rules, r.Rule)
		if r.Result != Pass || r.Reason == "" {
			t.Errorf("%s: %s %q", r.Rule, r.Result, r.Reason)
		}
	}
	want := []string{RuleOrganisationValid, RuleOrganisationType, RuleNation, RuleOneLiveApplication, RuleMaxAward, RuleFundWindow, RuleReach}
	if !slices.Equal(rules, want) {
		t.Errorf("rules %q, want %q", rules, want)
	}
	if got := Overall(CheckEligibility(in)); got != Pass {
		t.Errorf("Overall = %s", got)
	}
}

func TestEligibility(t *testing.T) {
	may := at(t, "2026-05-01T11:00:00Z")
	tests := []struct {
		name   string
		code   string
		at     time.Time
		edit   func(in *EligibilityInput)
		rule   string
		result Result
		// reason must contain each of these.
		reason []string
		// overall is the combined result.
		overall Result
	}{
		{
			name: "abolished ICB names its successor", code: "QHG", at: at(t, "2026-04-15T09:00:00Z"),
			rule: RuleOrganisationValid, result: Fail, overall: Fail,
			reason: []string{
				"NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board (QHG) was abolished on 31 March 2026",
				"its successor is NHS Central East Integrated Care Board (S1Y5D)",
				"15 April 2026",
			},
		},
		{
			// 23:30 UTC on 31 March is already 1 April in London (BST).
			name: "abolished by UK date, not UTC date", code: "QHG", at: at(t, "2026-03-31T23:30:00Z"),
			rule: RuleOrganisationValid, result: Fail, overall: Fail,
			reason: []string{"abolished on 31 March 2026", "1 April 2026"},
		},
		{
			name: "the day before abolition is fine", code: "QHG", at: at(t, "2026-03-31T10:00:00Z"),
			edit: func(in *EligibilityInput) { in.Content.PopulationCovered = 1_015_000 },
			rule: RuleOrganisationValid, result: Pass, overall: Pass,
		},
		{
			name: "successor before it existed", code: "S1Y5D", at: at(t, "2026-03-20T10:00:00Z"),
			rule: RuleOrganisationValid, result: Fail, overall: Fail,
			reason: []string{"did not exist", "established on 1 April 2026"},
		},
		{
			name: "unknown code", code: "ZZZ", at: may,
			rule: RuleOrganisationValid, result: Fail, overall: Fail,
			reason: []string{"ZZZ is not in the registry"},
		},
		{
			name: "unknown code fails type", code: "ZZZ", at: may,
			rule: RuleOrganisationType, result: Fail, overall: Fail,
		},
		{
			name: "Scottish board with an inferred code passes with caveats", code: "SA9", at: may,
			edit: func(in *EligibilityInput) { in.Content.PopulationCovered = 369_670; in.Content.PlannedReach = 5000 },
			rule: RuleOrganisationValid, result: PassWithCaveats, overall: PassWithCaveats,
			reason: []string{"NHS Ayrshire and Arran (SA9)", "not fully verified", "confirm"},
		},
		{
			name: "Welsh health board is eligible", code: "7A1", at: may,
			edit: func(in *EligibilityInput) { in.Content.PopulationCovered = 700_000 },
			rule: RuleNation, result: Pass, overall: Pass,
		},
		{
			name: "Northern Ireland trust: type", code: "NI-BELFAST", at: may,
			rule: RuleOrganisationType, result: Fail, overall: Fail,
			reason: []string{"Northern Ireland health and social care trusts", "open only to integrated care boards, Scottish health boards and Welsh local health boards"},
		},
		{
			name: "Northern Ireland trust: nation", code: "NI-BELFAST", at: may,
			rule: RuleNation, result: Fail, overall: Fail,
			reason: []string{"is in Northern Ireland", "open only to organisations in England, Scotland and Wales"},
		},
		{
			name: "another live application", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.OtherLive = []string{"app-1", "app-7"} },
			rule: RuleOneLiveApplication, result: Fail, overall: Fail,
			reason: []string{"app-1, app-7", "only one"},
		},
		{
			name: "over the max award", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.Content.RequestedPence = 8_000_001 },
			rule: RuleMaxAward, result: Fail, overall: Fail,
			reason: []string{"£80,000.01", "£80,000.00"},
		},
		{
			name: "exactly the max award", code: "QHL", at: may,
			rule: RuleMaxAward, result: Pass, overall: Pass,
			reason: []string{"£80,000.00 was requested"},
		},
		{
			name: "nothing requested", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.Content.RequestedPence = 0 },
			rule: RuleMaxAward, result: Fail, overall: Fail,
		},
		{
			name: "before the window", code: "QHL", at: at(t, "2026-03-15T08:59:59Z"),
			rule: RuleFundWindow, result: Fail, overall: Fail,
			reason: []string{"before the fund opened at 09:00 on 15 March 2026 (UK time)"},
		},
		{
			name: "at opening", code: "QHL", at: at(t, "2026-03-15T09:00:00Z"),
			rule: RuleFundWindow, result: Pass, overall: Pass,
		},
		{
			// 17:00 BST is 16:00 UTC; the window excludes its close.
			name: "at closing", code: "QHL", at: at(t, "2026-10-15T16:00:00Z"),
			rule: RuleFundWindow, result: Fail, overall: Fail,
			reason: []string{"Submitted at 17:00 on 15 October 2026, after the fund closed at 17:00 on 15 October 2026 (UK time)"},
		},
		{
			name: "just before closing", code: "QHL", at: at(t, "2026-10-15T15:59:59Z"),
			rule: RuleFundWindow, result: Pass, overall: Pass,
		},
		{
			name: "reach above population", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.Content.PlannedReach = 2_000_000 },
			rule: RuleReach, result: PassWithCaveats, overall: PassWithCaveats,
			reason: []string{"planned reach of 2,000,000 people is more than the population covered, 1,375,000"},
		},
		{
			name: "population well above the registry's", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.Content.PopulationCovered = 1_650_001 },
			rule: RuleReach, result: PassWithCaveats, overall: PassWithCaveats,
			reason: []string{"1,650,001", "registry's estimate of 1,375,000"},
		},
		{
			name: "population a fifth above the registry's is fine", code: "QHL", at: may,
			edit: func(in *EligibilityInput) { in.Content.PopulationCovered = 1_650_000 },
			rule: RuleReach, result: Pass, overall: Pass,
		},
		{
			name: "both reach caveats", code: "QHL", at: may,
			edit: func(in *EligibilityInput) {
				in.Content.PopulationCovered = 2_000_000
				in.Content.PlannedReach = 3_000_000
			},
			rule: RuleReach, result: PassWithCaveats, overall: PassWithCaveats,
			reason: []string{"The planned reach", "; and the population covered"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := eligibilityInput(t, tt.code, tt.at)
			if tt.edit != nil {
				tt.edit(&in)
			}
			rs := CheckEligibility(in)
			r := results(rs)[tt.rule]
			if r.Result != tt.result {
				t.Errorf("%s = %s (%s), want %s", tt.rule, r.Result, r.Reason, tt.result)
			}
			for _, s := range tt.reason {
				if !strings.Contains(r.Reason, s) {
					t.Errorf("reason %q lacks %q", r.Reason, s)
				}
			}
			if got := Overall(rs); got != tt.overall {
				t.Errorf("Overall = %s, want %s; results %+v", got, tt.overall, rs)
			}
		})
	}
}

func TestOverall(t *testing.T) {
	r := func(rs ...Result) []RuleResult {
		var out []RuleResult
		for _, x := range rs {
			out = append(out, RuleResult{Result: x})
		}
		return out
	}
	tests := []struct {
		in   []RuleResult
		want Result
	}{
		{r(Pass, Pass), Pass},
		{r(Pass, PassWithCaveats, Pass), PassWithCaveats},
		{r(PassWithCaveats, Fail), Fail},
		{r(Fail, PassWithCaveats), Fail},
	}
	for _, tt := range tests {
		if got := Overall(tt.in); got != tt.want {
			t.Errorf("Overall(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1_015_000: "1,015,000", -12345: "-12,345"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
