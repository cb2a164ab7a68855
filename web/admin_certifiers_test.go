package web

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func certifiersAPI(t *testing.T) *fakeAPI {
	api := directoryAPI(t)
	api.on("GET /v1/organisations/QUY", http.StatusOK, map[string]any{"ods_code": "QUY", "synthetic_code": false,
		"name": "NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board", "short_name": "BNSSG ICB", "nation": "England", "org_type": "ICB"})
	api.on("GET /v1/organisations/QUY/certifiers", http.StatusOK, map[string]any{"ods_code": "QUY", "certifiers": []any{
		map[string]any{"user_id": "usr_ana", "name": "Ana Lead", "email": "ana@nhs.net", "capacity": "chief_finance_officer",
			"capacity_label": "Chief finance officer", "from": "2026-04-01", "current": true},
	}})
	return api
}

func TestAnOrganisationsCertifiers(t *testing.T) {
	api := certifiersAPI(t)
	api.on("PUT /v1/organisations/QUY/certifiers", http.StatusOK, map[string]any{"ods_code": "QUY", "certifiers": []any{}})
	h := newTestServer(t, api)
	body := get(t, h, "tok-admin", "/admin/organisations/QUY/certifiers").Body.String()
	for _, want := range []string{
		`<h1 class="nhsuk-heading-l">Certifiers for NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board</h1>`,
		`<td class="nhsuk-table__cell">Chief finance officer</td>`, `1 April 2026`, `No end date`, `nhsuk-tag--green">Can certify</strong>`,
		`action="/admin/organisations/QUY/certifiers"`, `name="rows" value="3"`,
		`<label class="nhsuk-label" for="user_id-0">Person</label>`, `<option value="usr_ana" selected>Ana Lead</option>`,
		`<option value="chief_finance_officer" selected>Chief finance officer</option>`, `<option value="section_151_officer">Section 151 officer</option>`,
		`id="from-0" name="from-0-day" type="text" inputmode="numeric" value="1"`, `name="from-0-month" type="text" inputmode="numeric" value="4"`,
		`<label class="nhsuk-label nhsuk-checkboxes__label" for="remove-0">Take certifier 1 off the list</label>`,
		`<label class="nhsuk-label" for="user_id-2">Person</label>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("certifiers page lacks %s", want)
		}
	}
	if strings.Contains(body, `value="usr_rae"`) || strings.Contains(body, `id="remove-1"`) {
		t.Error("the page offers a reviewer, or takes an empty row off the list")
	}
	if !strings.Contains(get(t, h, "tok-admin", "/admin/users/usr_ana").Body.String(), `href="/admin/organisations/QUY/certifiers"`) {
		t.Error("an applicant's page does not link to their organisation's certifiers")
	}

	form := url.Values{"rows": {"3"}, "idempotency_key": {"k-c"}, "reason": {"new year"},
		"user_id-0": {"usr_ana"}, "capacity-0": {"chief_finance_officer"}, "from-0-day": {"1"}, "from-0-month": {"4"}, "from-0-year": {"2026"},
		"user_id-1": {""}, "capacity-1": {""},
		"user_id-2": {"usr_ana"}, "capacity-2": {"deputy"}, "from-2-day": {"1"}, "from-2-month": {"5"}, "from-2-year": {"2027"},
		"to-2-day": {"31"}, "to-2-month": {"5"}, "to-2-year": {"2027"}}
	w := post(t, h, "tok-admin", "/admin/organisations/QUY/certifiers", form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/organisations/QUY/certifiers" {
		t.Fatalf("save: %d\n%s", w.Code, w.Body)
	}
	cmds := api.commands()
	want := map[string]any{"reason": "new year", "certifiers": []any{
		map[string]any{"user_id": "usr_ana", "capacity": "chief_finance_officer", "from": "2026-04-01"},
		map[string]any{"user_id": "usr_ana", "capacity": "deputy", "from": "2027-05-01", "to": "2027-05-31"},
	}}
	if len(cmds) != 1 || cmds[0].Method != http.MethodPut || cmds[0].Key != "k-c" || !reflect.DeepEqual(cmds[0].Body, want) {
		t.Fatalf("commands %+v", cmds)
	}

	// Taking the only certifier off sends an empty list.
	w = post(t, h, "tok-admin", "/admin/organisations/QUY/certifiers", url.Values{"rows": {"3"}, "idempotency_key": {"k-d"},
		"user_id-0": {"usr_ana"}, "capacity-0": {"chief_finance_officer"}, "from-0-day": {"1"}, "from-0-month": {"4"}, "from-0-year": {"2026"}, "remove-0": {"yes"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d", w.Code)
	}
	if cmds := api.commands(); len(cmds) != 2 || !reflect.DeepEqual(cmds[1].Body, map[string]any{"certifiers": []any{}}) {
		t.Fatalf("commands %+v", cmds)
	}
	if w := post(t, h, "tok-admin", "/admin/organisations/QUY/certifiers", url.Values{"idempotency_key": {"k-e"}}); w.Code != http.StatusBadRequest || len(api.commands()) != 2 {
		t.Fatalf("a form without its rows: %d", w.Code)
	}
}

func TestARefusedCertifierListIsShownAgainAsTyped(t *testing.T) {
	api := certifiersAPI(t)
	api.on("PUT /v1/organisations/QUY/certifiers", http.StatusUnprocessableEntity, map[string]any{"status": 422, "code": "validation_failed", "detail": "the certifiers are invalid",
		"errors": []any{
			map[string]any{"field": "certifiers[1].to", "message": "a deputy's delegation needs an end date"},
			map[string]any{"field": "certifiers[0].user_id", "message": "Ana Lead is deactivated"},
		}})
	h := newTestServer(t, api)
	form := url.Values{"rows": {"3"}, "idempotency_key": {"k-c"},
		"user_id-0": {"usr_ana"}, "capacity-0": {"sro"}, "from-0-day": {"1"}, "from-0-month": {"4"}, "from-0-year": {"2026"},
		"user_id-2": {"usr_ana"}, "capacity-2": {"deputy"}, "from-2-day": {"1"}, "from-2-month": {"5"}, "from-2-year": {"2027"}}
	w := post(t, h, "tok-admin", "/admin/organisations/QUY/certifiers", form)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("refused: %d", w.Code)
	}
	for _, want := range []string{
		`<a href="#to-2">Certifier 3&#39;s last day: a deputy&#39;s delegation needs an end date</a>`,
		`<a href="#user_id-0">Certifier 1&#39;s person: Ana Lead is deactivated</a>`,
		`id="to-2-error"`, `<option value="sro" selected>`, `id="from-2" name="from-2-day" type="text" inputmode="numeric" value="1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %s", want)
		}
	}

	// A date that cannot be is refused here, and nothing is sent.
	form.Set("from-2-day", "31")
	form.Set("from-2-month", "2")
	w = post(t, h, "tok-admin", "/admin/organisations/QUY/certifiers", form)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `<a href="#from-2">Certifier 3&#39;s first day must be a real date, like 31 3 2026</a>`) {
		t.Fatalf("impossible date: %d\n%s", w.Code, w.Body)
	}
	if len(api.commands()) != 1 {
		t.Fatalf("an impossible date was sent: %+v", api.commands())
	}
}
