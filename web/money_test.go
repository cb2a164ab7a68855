package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// typedAmounts are what people type into an amount in pounds, and what
// each must become: the exact pence sent to the API, or a refusal. The
// web once stripped every comma and sent "1,00" as £100.
var typedAmounts = []struct {
	typed    string
	pence    int64 // 0: refused
	decimals bool  // refused for its decimal places
}{
	{typed: "1,00"},
	{typed: "4,00"},
	{typed: "£40,000", pence: 4_000_000},
	{typed: "40000.5", pence: 4_000_050},
	{typed: "40,000.505", decimals: true},
}

// moneyPage is a page that takes an amount: how to type one into it, the
// API field it is sent in, and the error it links to the input when it
// cannot read it (in general, and for too many decimal places).
type moneyPage struct {
	name, field, refused, decimals string
	post                           func(t *testing.T, typed string) (*fakeAPI, *httptest.ResponseRecorder)
}

var moneyPages = []moneyPage{
	{name: "application form", field: "requested_pence",
		refused:  "Amount requested must be an amount in pounds, like 80000 or 80000.50",
		decimals: "Amount requested must be an amount in pounds, like 80000 or 80000.50",
		post: func(t *testing.T, typed string) (*fakeAPI, *httptest.ResponseRecorder) {
			api, h := formAPI(t, nil)
			return api, post(t, h, "tok-applicant", "/applications/app1/sections/about", url.Values{"requested_pence": {typed}})
		}},
	{name: "fund setup", field: "total_pence",
		refused:  "Total budget: enter an amount in pounds, like 80000 or 80000.50",
		decimals: "Total budget: enter an amount in pounds, with at most 2 decimal places",
		post: func(t *testing.T, typed string) (*fakeAPI, *httptest.ResponseRecorder) {
			api := fundsAPI(t)
			api.on("POST /v1/funds", http.StatusCreated, fundJSON("prevention-2027", "Prevention 2027", "draft", nil))
			form := newFundForm()
			form.Set("total_pence", typed)
			return api, post(t, newTestServer(t, api), "tok-admin", "/funds", form)
		}},
	{name: "panel decision", field: "amount_pence",
		refused:  "Enter an amount in pounds, like 80000 or 80000.50",
		decimals: "Enter an amount in pounds, with at most 2 decimal places",
		post: func(t *testing.T, typed string) (*fakeAPI, *httptest.ResponseRecorder) {
			api := reviewAPI(t, "panel")
			api.on("POST /v1/applications/app-1/decision", http.StatusOK, commandJSON("offered", reviewApp("offered")))
			return api, post(t, newTestServer(t, api), "tok-chair", "/applications/app-1/decision", url.Values{
				"outcome": {"approve"}, "amount_pence": {typed}, "feedback": {"Well evidenced."},
			})
		}},
}

func TestEveryFormReadsMoneyByOneRule(t *testing.T) {
	for _, tc := range typedAmounts {
		for _, page := range moneyPages {
			t.Run(tc.typed+"/"+page.name, func(t *testing.T) {
				api, w := page.post(t, tc.typed)
				cmds := api.commands()
				if tc.pence == 0 {
					msg := page.refused
					if tc.decimals {
						msg = page.decimals
					}
					wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#`+page.field+`">`+msg+`</a>`)
					if len(cmds) != 0 {
						t.Fatalf("a refused amount reached the API: %+v", cmds)
					}
					return
				}
				if w.Code != http.StatusSeeOther || len(cmds) != 1 {
					t.Fatalf("%d, commands %+v\n%s", w.Code, cmds, w.Body.String())
				}
				if got := cmds[0].Body[page.field]; got != float64(tc.pence) {
					t.Fatalf("%s sent as %v, want %d", page.field, got, tc.pence)
				}
			})
		}
	}
}

// A count typed with thousands separators is read by the same rule as an
// amount (decimal.Ungroup): "650,000" is 650000, "1,00" a slip. The web
// once stripped every comma here too.
func TestCountsReadSeparatorsByTheMoneyRule(t *testing.T) {
	for _, tc := range []struct {
		typed string
		want  int64 // 0: refused
	}{{"650,000", 650_000}, {"1,200,000", 1_200_000}, {"650000", 650_000}, {"1,00", 0}, {"65,0000", 0}, {",650", 0}} {
		t.Run(tc.typed, func(t *testing.T) {
			api, h := formAPI(t, nil)
			w := post(t, h, "tok-applicant", "/applications/app1/sections/about", url.Values{"staff": {tc.typed}})
			cmds := api.commands()
			if tc.want == 0 {
				wantHTML(t, w, http.StatusUnprocessableEntity, `<a href="#staff">Staff must be a whole number, like 250000</a>`)
				if len(cmds) != 0 {
					t.Fatalf("a refused count reached the API: %+v", cmds)
				}
				return
			}
			if len(cmds) != 1 || cmds[0].Body["staff"] != float64(tc.want) {
				t.Fatalf("%d, commands %+v\n%s", w.Code, cmds, w.Body.String())
			}
		})
	}
}
