package api

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow"
)

func TestDecodeIsStrict(t *testing.T) {
	type body struct {
		Name   string `json:"name"`
		Amount int64  `json:"amount_pence"`
	}
	for _, tc := range []struct {
		name, body, contentType string
		code                    fundflow.Code
		field                   string
	}{
		{"unknown field", `{"name":"a","colour":"red"}`, "application/json", fundflow.EMALFORMED, "colour"},
		{"wrong type", `{"amount_pence":"lots"}`, "application/json", fundflow.EMALFORMED, "amount_pence"},
		{"float for pence", `{"amount_pence":1.5}`, "application/json", fundflow.EMALFORMED, "amount_pence"},
		{"malformed", `{"name":`, "application/json", fundflow.EMALFORMED, ""},
		{"not JSON", `name=a`, "application/json", fundflow.EMALFORMED, ""},
		{"empty", ``, "application/json", fundflow.EMALFORMED, ""},
		{"two values", `{"name":"a"} {"name":"b"}`, "application/json", fundflow.EMALFORMED, ""},
		{"too large", `{"name":"` + strings.Repeat("x", maxBody) + `"}`, "application/json", fundflow.ETOOLARGE, ""},
		{"form post", `name=a`, "application/x-www-form-urlencoded", fundflow.EUNSUPPORTEDMEDIATYPE, ""},
		{"UTF-16", `{"name":"a"}`, "application/json; charset=utf-16", fundflow.EUNSUPPORTEDMEDIATYPE, ""},
		{"Latin-1", `{"name":"a"}`, "application/json; charset=iso-8859-1", fundflow.EUNSUPPORTEDMEDIATYPE, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			var v body
			err := decode(httptest.NewRecorder(), req, &v)
			if got := fundflow.ErrorCode(err); got != tc.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.code)
			}
			if tc.field != "" {
				e := err.(*fundflow.Error)
				if len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
					t.Fatalf("fields = %+v, want %s", e.Fields, tc.field)
				}
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"Siân","amount_pence":8000000}`))
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
		var v body
		if err := decode(httptest.NewRecorder(), req, &v); err != nil || v.Name != "Siân" || v.Amount != 8_000_000 {
			t.Fatalf("decode = %+v, %v", v, err)
		}
	})
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range fundflow.Codes {
		if statusOf[c] == 0 {
			t.Errorf("code %s has no HTTP status", c)
		}
	}
	for c := range statusOf {
		if !c.Known() {
			t.Errorf("statusOf maps %s, which is not in fundflow.Codes", c)
		}
	}
}

// The document's list of codes is fundflow.Codes, so a client generated
// from it knows every code the API can answer with.
func TestOpenAPIListsEveryCode(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Problem struct {
					Properties struct {
						Code struct {
							Enum []fundflow.Code `json:"enum"`
						} `json:"code"`
					} `json:"properties"`
				} `json:"Problem"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Schemas.Problem.Properties.Code.Enum; !slices.Equal(got, fundflow.Codes) {
		t.Errorf("Problem.code enum = %v, want fundflow.Codes %v", got, fundflow.Codes)
	}
}
